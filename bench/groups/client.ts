import { readFileSync } from 'node:fs';
import { apiKey, appToken, createClient, hmac, privateKeyJwt } from '@payauth/client';
import type { DemoCredentials } from '@payauth/server';
import { ROOT, startPinned } from '../lib/processes.ts';
import { median, ratio } from '../lib/stats.ts';
import type { Row } from './crypto.ts';
import { RUNS } from './guards.ts';

/** Requests per second of `call` with `concurrency` in flight for `ms`. */
async function throughput(call: () => Promise<Response>, ms: number, concurrency = 20): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const response = await call();
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** Client: per-request cost of each strategy with a warm cache ÷ a bare fetch to the same server; cold single-flight. */
export async function runClient(): Promise<Row[]> {
  const server = await startPinned(`${ROOT}bench/servers/guard-server.ts`, ['18185'], 0, /"url"/);
  try {
    const { url, demo } = JSON.parse(server.stdout.trim().split('\n')[0]!) as {
      url: string;
      demo: DemoCredentials;
    };
    const pkj = demo['private-key-jwt'];
    const clients = {
      hmac: createClient({ baseUrl: url, auth: hmac(demo.hmac) }),
      'app-token': createClient({ baseUrl: url, auth: appToken(demo['app-token']) }),
      'private-key-jwt': createClient({
        baseUrl: url,
        auth: privateKeyJwt({
          clientId: pkj.clientId,
          apiKey: pkj.apiKey,
          pfx: readFileSync(pkj.pfxPath),
          password: pkj.pfxPassword,
        }),
      }),
      'api-key': createClient({ baseUrl: url, auth: apiKey(demo['api-key']) }),
    };
    // Each client calls the unguarded route, so the server's work is the same as for the bare fetch: the difference
    // is the client's own cost (signing, cache lookup, header building).
    const target = `${url}/bench/none`;
    // Warm-up of fetch itself and of every client (JIT, sockets, tokens) before anything is recorded.
    await throughput(() => fetch(target), 1000);
    for (const client of Object.values(clients)) await throughput(() => client(target), 1000);
    const seconds = Number(process.env.BENCH_CLIENT_SECONDS ?? 3) * 1000;
    const bare: number[] = [];
    const measured: Record<string, number[]> = Object.fromEntries(
      Object.keys(clients).map((name) => [name, []]),
    );
    for (let run = 0; run < RUNS; run++) {
      bare.push(await throughput(() => fetch(target), seconds));
      for (const [name, client] of Object.entries(clients))
        measured[name]!.push(await throughput(() => client(target), seconds));
    }
    const baseline = median(bare);
    const rows: Row[] = Object.entries(measured).map(([name, list]) => ({
      name: `${name} strategy, warm cache: client requests/s ÷ bare fetch`,
      value: Math.round(median(list)),
      baseline: Math.round(baseline),
      ratio: ratio(median(list), baseline),
      unit: 'req/s',
      samples: { value: list.map(Math.round), baseline: bare.map(Math.round) },
    }));
    const cold = createClient({ baseUrl: url, auth: apiKey(demo['api-key']) });
    await Promise.all(Array.from({ length: 1000 }, async () => (await cold(target)).arrayBuffer()));
    rows.push({
      name: '1,000 concurrent calls on a cold api-key client: token requests made',
      value: cold.auth.tokenRequests,
      baseline: 1,
      ratio: cold.auth.tokenRequests,
      unit: 'requests',
      goal: '= 1',
      met: cold.auth.tokenRequests === 1,
    });
    return rows;
  } finally {
    await server.stop();
  }
}
