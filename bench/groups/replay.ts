import { execFileSync } from 'node:child_process';
import { loadAverage } from '../lib/cpu.ts';
import { ROOT, residentBytes, startPinned } from '../lib/processes.ts';
import { ratio } from '../lib/stats.ts';
import type { Row } from './crypto.ts';

/**
 * The replay-window case: single-use hmac on, a sustained fixed rate of distinct headers (BENCH_REPLAY_RATE, default
 * 3,000 req/s) for BENCH_REPLAY_SECONDS (default 300: the whole 5-minute window, so no replay record has expired
 * yet): server RSS at the start and every 30 s. The figure to compare before/after bounding the replay store.
 */
export async function runReplay(): Promise<Row[]> {
  const rate = Number(process.env.BENCH_REPLAY_RATE ?? 3000);
  const seconds = Number(process.env.BENCH_REPLAY_SECONDS ?? 300);
  const keys = 8;
  const server = await startPinned(`${ROOT}bench/servers/guard-server.ts`, ['18187'], 0, /"url"/, {
    BENCH_SINGLE_USE: '1',
    BENCH_HMAC_KEYS: String(keys),
  });
  try {
    const { url, extraHmac, pid } = JSON.parse(server.stdout.trim().split('\n')[0]!) as {
      url: string;
      extraHmac: Array<{ accessKey: string; secretKey: string }>;
      pid: number;
    };
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const loadBefore = loadAverage()[0];
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const mib = (bytes: number | undefined) => Math.round(((bytes ?? 0) / 2 ** 20) * 10) / 10;
    const before = mib(residentBytes(pid));
    const samples: Array<{ second: number; rssMiB: number }> = [];
    const load = startPinned(
      `${ROOT}bench/load/hmac-rate.ts`,
      [`${url}/bench/hmac`, String(rate), String(seconds), JSON.stringify(extraHmac)],
      1,
      /.*/s,
    );
    const started = Date.now();
    const running = await load;
    const timer = setInterval(() => {
      samples.push({ second: Math.round((Date.now() - started) / 1000), rssMiB: mib(residentBytes(pid)) });
      console.error(`  ${samples.at(-1)!.second} s: ${samples.at(-1)!.rssMiB} MiB`);
    }, 30_000);
    await new Promise((resolve) =>
      running.child.exitCode !== null ? resolve(null) : running.child.once('exit', resolve),
    );
    clearInterval(timer);
    const after = mib(residentBytes(pid));
    const summary = JSON.parse(running.stdout.trim().split('\n').at(-1)!) as {
      sent: number;
      ok: number;
      refused: number;
      failed: number;
      late: number;
      seconds: number;
      statuses: Record<string, number>;
    };
    return [
      {
        name: `server RSS after ${seconds} s of single-use hmac at ${rate} req/s (commit ${commit}; ${summary.ok} accepted, ${summary.refused} refused ${JSON.stringify(summary.statuses)}, ${summary.failed} failed, ${summary.late} not sent (server behind); ${Math.round(summary.ok / summary.seconds)} accepted/s; load before ${loadBefore}) ÷ at the start`,
        value: after,
        baseline: before,
        ratio: ratio(after, before),
        unit: 'MiB',
        samples: { value: [...samples.map((s) => s.rssMiB), after], baseline: [before] },
      },
    ];
  } finally {
    await server.stop();
  }
}
