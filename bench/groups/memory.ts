import { formatHmacHeader } from '@payauth/core';
import type { DemoCredentials } from '@payauth/server';
import { ROOT, residentBytes, runPinned, startPinned } from '../lib/processes.ts';
import { ratio } from '../lib/stats.ts';
import type { Row } from './crypto.ts';
import { obtainTokens } from './guards.ts';

/** Server RSS before, during and after 60 s of mixed load (BENCH_MEMORY_SECONDS); growth should be flat. */
export async function runMemory(): Promise<Row[]> {
  const server = await startPinned(`${ROOT}bench/servers/guard-server.ts`, ['18186'], 0, /"url"/);
  try {
    const { url, demo } = JSON.parse(server.stdout.trim().split('\n')[0]!) as {
      url: string;
      demo: DemoCredentials;
    };
    const pid = server.child.pid!;
    const tokens = await obtainTokens(url, demo);
    const total = Number(process.env.BENCH_MEMORY_SECONDS ?? 60);
    const slice = 10;
    const header = () => ({
      authorization: formatHmacHeader({
        accessKey: demo.hmac.accessKey,
        secretKey: demo.hmac.secretKey,
        timestamp: Date.now(),
      }),
    });
    // Warm-up: 20 s of the same mixed load, so that JIT code, V8's heap sizing and the caches reach their steady
    // state before "before": what is measured is growth under continued load (a leak), not the first working set.
    const mixed = [
      [`${url}/bench/hmac`, header],
      [`${url}/bench/bearer`, () => ({ authorization: `Bearer ${tokens.apiKey}` })],
      [
        `${url}/bench/bearer-apikey`,
        () => ({ authorization: `Bearer ${tokens.privateKeyJwt}`, apikey: demo['private-key-jwt'].apiKey }),
      ],
      [
        `${url}/business/auth`,
        () => ({ 'content-type': 'application/json' }),
        JSON.stringify(demo['api-key']),
      ],
      [
        `${url}/api/accounts`,
        () => ({
          authorization: 'AUTH wrong:1:1:0000000000000000000000000000000000000000000000000000000000000000',
        }),
      ],
    ] as const;
    const runOnce = async (seconds: number) => {
      for (const [target, headers, body] of mixed) {
        await runPinned(
          `${ROOT}bench/load/autocannon.ts`,
          [
            target,
            '20',
            String(seconds),
            JSON.stringify(headers()),
            body ? 'POST' : 'GET',
            ...(body ? [body] : []),
          ],
          1,
        );
      }
    };
    await runOnce(4);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = residentBytes(pid) ?? 0;
    const during: number[] = [];
    for (let elapsed = 0; elapsed < total; elapsed += slice) {
      await runOnce(slice / mixed.length);
      during.push(residentBytes(pid) ?? 0);
    }
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const after = residentBytes(pid) ?? 0;
    const peak = Math.max(...during);
    const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
    return [
      {
        name: `server RSS after ${total} s of mixed load ÷ before (during: ${during.map(mib).join(', ')} MiB; peak ${mib(peak)} MiB)`,
        value: mib(after),
        baseline: mib(before),
        ratio: ratio(after, before),
        unit: 'MiB',
        goal: '≤ 1.10',
        met: after / before <= 1.1,
        samples: { value: [...during.map(mib), mib(after)], baseline: [mib(before)] },
      },
    ];
  } finally {
    await server.stop();
  }
}
