/** The median of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A ratio shown with two decimals. */
export function ratio(value: number, baseline: number): number {
  return Math.round((value / baseline) * 100) / 100;
}

/**
 * Operations per second of `work`, measured in-process: `samples` timed batches of `batch` calls after a warm-up;
 * returns every sample (ops/s) so the report can show the median and the spread.
 */
export function measureOps(
  work: () => unknown,
  options: { batch?: number; samples?: number; warmup?: number } = {},
): number[] {
  const batch = options.batch ?? 20_000;
  for (let i = 0; i < (options.warmup ?? batch); i++) work();
  const samples: number[] = [];
  for (let s = 0; s < (options.samples ?? 7); s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) work();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    samples.push(batch / seconds);
  }
  return samples;
}

/** Measures candidate and baseline alternately (so drift on a shared machine hits both), returning both series. */
export function compareOps(
  candidate: () => unknown,
  baseline: () => unknown,
  options: { batch?: number; rounds?: number } = {},
): { candidate: number[]; baseline: number[] } {
  const result = { candidate: [] as number[], baseline: [] as number[] };
  for (let round = 0; round < (options.rounds ?? 5); round++) {
    result.baseline.push(
      ...measureOps(baseline, { batch: options.batch, samples: 1, warmup: round === 0 ? options.batch : 0 }),
    );
    result.candidate.push(
      ...measureOps(candidate, { batch: options.batch, samples: 1, warmup: round === 0 ? options.batch : 0 }),
    );
  }
  return result;
}

/** A Markdown table. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Mean µs per call of `work` over `calls` calls, in batches of 10,000 with a turn of the event loop between them (a
 * guard's credential cache is refreshed by a timer: a loop that never yields would see it go stale and fall back to
 * the store).
 */
export async function microsecondsPerCall(work: (index: number) => unknown, calls: number): Promise<number> {
  const batch = 10_000;
  let spent = 0n;
  for (let start = 0; start < calls; start += batch) {
    const began = process.hrtime.bigint();
    for (let index = start; index < start + batch; index++) work(index);
    spent += process.hrtime.bigint() - began;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return Number(spent) / 1000 / calls;
}
