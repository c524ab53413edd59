import type { DemoCredentials } from '@payauth/server';
import { ROOT, startPinned } from '../lib/processes.ts';
import { compareSaturated, type Measured, measureSaturated } from '../lib/saturation.ts';
import { ensureWrk, type PooledRequest } from '../lib/wrk.ts';
import type { Row } from './crypto.ts';
import { hmacPool, obtainTokens, RUNS } from './guards.ts';

/** Seconds per adapter run (BENCH_ADAPTER_SECONDS, default 8). */
const SECONDS = Number(process.env.BENCH_ADAPTER_SECONDS ?? 8);

/**
 * Each adapter (Express, Hono on @hono/node-server, the fetch handler on @hono/node-server): the hmac and Bearer
 * guards ÷ the same framework with no guard, and ÷ that framework's hand-written limit, all in one run (interleaved,
 * medians of RUNS, wrk on the other core, server CPU beside each figure).
 */
export async function runAdapters(): Promise<Row[]> {
  ensureWrk();
  const frameworks = ['express', 'hono', 'fetch'] as const;
  const servers = [];
  for (const [index, framework] of frameworks.entries()) {
    servers.push(
      await startPinned(
        `${ROOT}bench/servers/adapter-server.ts`,
        [framework, String(18_191 + index)],
        0,
        /"url"/,
      ),
    );
  }
  try {
    const variants: Array<[string, number, string, () => PooledRequest[]]> = [];
    for (const server of servers) {
      const { url, demo, pid, framework } = JSON.parse(server.stdout.trim().split('\n')[0]!) as {
        url: string;
        demo: DemoCredentials;
        pid: number;
        framework: string;
      };
      const bearer = { authorization: `Bearer ${(await obtainTokens(url, demo)).apiKey}` };
      variants.push(
        [`${framework} no guard`, pid, url, () => [{ path: '/bench/none' }]],
        [`${framework} hmac`, pid, url, () => hmacPool('/bench/hmac', demo)],
        [`${framework} hmac limit`, pid, url, () => hmacPool('/limit/hmac', demo)],
        [`${framework} Bearer`, pid, url, () => [{ path: '/bench/bearer', headers: bearer }]],
        [`${framework} Bearer limit`, pid, url, () => [{ path: '/limit/bearer', headers: bearer }]],
      );
    }
    const results: Record<string, Measured[]> = Object.fromEntries(variants.map(([name]) => [name, []]));
    for (const [, pid, url, pool] of variants) await measureSaturated(pid, url, pool(), 2);
    for (let run = 0; run < RUNS; run++) {
      for (const [name, pid, url, pool] of variants) {
        const result = await measureSaturated(pid, url, pool(), SECONDS);
        // A refused request is a broken benchmark; a socket timeout (5 s) on an overloaded machine is recorded.
        if (result.non2xx > 0) throw new Error(`${name}: ${result.non2xx} non-2xx answers`);
        results[name]!.push(result);
        console.error(
          `  ${name}: ${Math.round(result.requestsPerSecond)} req/s, server ${(result.busy * 100).toFixed(0)} % of its core, ${result.microsecondsPerRequest.toFixed(1)} µs CPU/request`,
        );
      }
    }
    const rows: Row[] = [];
    for (const framework of frameworks) {
      const of = (variant: string) => results[`${framework} ${variant}`]!;
      rows.push(
        compareSaturated(`${framework}: hmac ÷ ${framework} limit`, of('hmac'), of('hmac limit'), 0.9),
        compareSaturated(`${framework}: hmac ÷ ${framework} no guard`, of('hmac'), of('no guard'), 0.75),
        compareSaturated(`${framework}: Bearer ÷ ${framework} limit`, of('Bearer'), of('Bearer limit'), 0.9),
        compareSaturated(`${framework}: Bearer ÷ ${framework} no guard`, of('Bearer'), of('no guard'), 0.85),
      );
    }
    return rows;
  } finally {
    for (const server of servers) await server.stop();
  }
}
