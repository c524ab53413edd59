import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoCredentials } from '@payauth/server';
import { cpuUse, withCpu } from '../lib/cpu.ts';
import { breakdown, CATEGORIES, type CpuProfile, flameGraph } from '../lib/flame.ts';
import { ROOT, runPinned, startPinned } from '../lib/processes.ts';
import { type PooledRequest, runWrk } from '../lib/wrk.ts';
import type { Row } from './crypto.ts';
import { hmacPool, obtainTokens, SECONDS } from './guards.ts';

/** One profiled hot path: µs of server CPU per request in each category. */
export interface Breakdown {
  readonly scenario: string;
  readonly requestsPerSecond: number;
  readonly busy: number;
  readonly microsecondsPerRequest: number;
  readonly perCategory: Record<string, number>;
  readonly svg: string;
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * CPU profiles (`node --cpu-prof`) of the guards server under wrk, one server per hot path: the samples between two
 * marks (after a warm-up) sorted into HTTP floor, parsing, store/state, crypto, audit, response, other payauth code
 * and GC; µs per request = share of busy samples × the server's CPU µs per request over the same window. Writes a
 * flame graph per hot path to bench/profiles/<scenario>.svg.
 */
export async function runProfiles(): Promise<Row[]> {
  const results: Breakdown[] = [];
  const only = process.env.BENCH_PROFILE_ONLY?.split(',');
  const scenarios: Array<
    [string, (url: string, demo: DemoCredentials) => Promise<PooledRequest[] | 'tokens'>]
  > = [
    ['no guard', async () => [{ path: '/bench/none' }]],
    ['hmac guard', async (_url, demo) => hmacPool('/bench/hmac', demo)],
    ['hmac limit', async (_url, demo) => hmacPool('/limit/hmac', demo)],
    [
      'Bearer guard',
      async (url, demo) => [
        {
          path: '/bench/bearer',
          headers: { authorization: `Bearer ${(await obtainTokens(url, demo)).apiKey}` },
        },
      ],
    ],
    [
      '/business/auth',
      async (_url, demo) => [
        {
          method: 'POST',
          path: '/business/auth',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(demo['api-key']),
        },
      ],
    ],
    ['/connect/token', async () => 'tokens'],
  ];
  for (const [scenario, makePool] of scenarios) {
    if (only && !only.includes(slug(scenario))) continue;
    const directory = mkdtempSync(join(tmpdir(), 'payauth-prof-'));
    const server = await startPinned(`${ROOT}bench/servers/guard-server.ts`, ['18188'], 0, /"url"/, {
      NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${directory} --cpu-prof-interval=200`,
    });
    try {
      const { url, demo, pid } = JSON.parse(server.stdout.trim().split('\n')[0]!) as {
        url: string;
        demo: DemoCredentials;
        pid: number;
      };
      const pool = await makePool(url, demo);
      const pkj = demo['private-key-jwt'];
      const drive = async (seconds: number) => {
        if (pool === 'tokens') {
          const load = await runPinned<{ ok: number; seconds: number; serverCpuSeconds?: number }>(
            `${ROOT}bench/load/tokens.ts`,
            [
              pkj.tokenEndpoint,
              String(Math.round(seconds * 1000)),
              '50',
              pkj.pfxPath,
              pkj.pfxPassword,
              pkj.clientId,
              pkj.tokenEndpoint,
              String(pid),
            ],
            1,
          );
          return {
            requests: load.ok,
            requestsPerSecond: load.ok / load.seconds,
            sendingCpu: { seconds: load.seconds, cpu: load.serverCpuSeconds },
          };
        }
        return runWrk(url, pool, { seconds });
      };
      await drive(3);
      process.kill(pid, 'SIGUSR2');
      const whole = await withCpu(pid, () => drive(SECONDS));
      // The token client signs its assertions before sending (the server idles meanwhile): its own reading of the
      // server's CPU covers the sending phase only.
      const sending = 'sendingCpu' in whole ? whole.sendingCpu : undefined;
      const measured =
        sending?.cpu === undefined
          ? whole
          : { ...whole, ...cpuUse(sending.cpu, sending.seconds, whole.requests) };
      process.kill(pid, 'SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 200));
      await server.stop();
      const marks = [...server.stdout.matchAll(/^MARK (\d+)$/gm)].map((m) => Number(m[1]));
      const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
      if (!file) throw new Error(`${scenario}: no profile written`);
      const profile = JSON.parse(readFileSync(join(directory, file), 'utf8')) as CpuProfile;
      // BENCH_PROFILE_KEEP=<directory> keeps the raw profile (for `node bench/lib/top.ts <file>` or Chrome DevTools).
      const keep = process.env.BENCH_PROFILE_KEEP;
      if (keep) copyFileSync(join(directory, file), join(keep, `${slug(scenario)}.cpuprofile`));
      // Both marks on the profile's clock: keep the window; otherwise (another platform's clock) keep everything.
      const window =
        marks.length === 2 && marks[0]! >= profile.startTime && marks[1]! <= profile.endTime
          ? { from: marks[0]!, to: marks[1]! }
          : undefined;
      const { samples, total, kept } = breakdown(profile, window);
      const perCategory = Object.fromEntries(
        CATEGORIES.map((c) => [
          c,
          Math.round((samples[c] / total) * measured.microsecondsPerRequest * 10) / 10,
        ]),
      );
      const svg = `bench/profiles/${slug(scenario)}.svg`;
      mkdirSync(join(ROOT, 'bench', 'profiles'), { recursive: true });
      writeFileSync(
        join(ROOT, svg),
        flameGraph(
          profile,
          kept,
          `${scenario}: ${measured.microsecondsPerRequest.toFixed(1)} µs server CPU per request (${Math.round(measured.requestsPerSecond)} req/s, server ${Math.round(measured.busy * 100)} % of its core${window ? '' : ', whole profile'})`,
        ),
      );
      results.push({
        scenario,
        requestsPerSecond: Math.round(measured.requestsPerSecond),
        busy: Math.round(measured.busy * 100) / 100,
        microsecondsPerRequest: Math.round(measured.microsecondsPerRequest * 10) / 10,
        perCategory,
        svg,
      });
      console.error(`  ${scenario}: ${JSON.stringify(results.at(-1))}`);
    } finally {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  }
  const none = results.find((r) => r.scenario === 'no guard');
  console.log(
    [
      `| hot path | µs/request | ${CATEGORIES.join(' | ')} | server CPU |`,
      `| --- | --- | ${CATEGORIES.map(() => '---').join(' | ')} | --- |`,
      ...results.map(
        (r) =>
          `| ${r.scenario} | ${r.microsecondsPerRequest} | ${CATEGORIES.map((c) => r.perCategory[c]).join(' | ')} | ${Math.round(r.busy * 100)} % |`,
      ),
    ].join('\n'),
  );
  return results.map((r) => ({
    name: `${r.scenario}: server CPU µs/request (${CATEGORIES.map((c) => `${c} ${r.perCategory[c]}`).join(', ')}; ${r.svg})`,
    value: r.microsecondsPerRequest,
    baseline: none?.microsecondsPerRequest ?? r.microsecondsPerRequest,
    ratio:
      Math.round(
        (r.microsecondsPerRequest / (none?.microsecondsPerRequest ?? r.microsecondsPerRequest)) * 100,
      ) / 100,
    unit: 'µs',
    breakdown: r,
  })) as Row[];
}
