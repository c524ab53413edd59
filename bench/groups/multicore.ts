import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHmacHeader } from '@payauth/core';
import { DEMO } from '@payauth/server';
import { cpuSeconds, loadAverage } from '../lib/cpu.ts';
import { ROOT, type Running, startPinned } from '../lib/processes.ts';
import { median, ratio } from '../lib/stats.ts';
import { type PooledRequest, runWrk } from '../lib/wrk.ts';
import type { Row } from './crypto.ts';
import { RUNS } from './guards.ts';

const SECONDS = Number(process.env.BENCH_MULTICORE_SECONDS ?? 8);
const REDIS = process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379';

interface Sample {
  requestsPerSecond: number;
  /** Cores' worth of CPU used by the payauth processes together. */
  serverCores: number;
  /** Cores' worth used by redis-server meanwhile (it shares the machine). */
  redisCores: number;
  loadBefore: number;
}

function redisPid(): number | undefined {
  try {
    return (
      Number(execFileSync('pgrep', ['-x', 'redis-server']).toString().trim().split('\n')[0]) || undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * `payauth serve` on one core against several processes on both cores, sharing one SQLite store and Redis shared
 * state (`--redis`): hmac on the sandbox's /api/accounts and WakaPay's /business/auth. One process with in-process
 * state and one with Redis are measured too (what Redis costs per request). On a 2-core machine the load generator
 * shares the cores with two servers: the figure says what a second process adds here, not what two free cores give.
 */
export async function runMulticore(): Promise<Row[]> {
  const directory = mkdtempSync(join(tmpdir(), 'payauth-multicore-'));
  const store = join(directory, 'store.db');
  const prefix = `bench-${randomBytes(4).toString('hex')}:`;
  const serve = (port: number, core: number, redis: boolean): Promise<Running> =>
    startPinned(
      `${ROOT}packages/cli/src/bin.ts`,
      [
        'serve',
        '--demo',
        '--port',
        String(port),
        '--store',
        store,
        '--log-level',
        'warn',
        ...(redis ? ['--redis', REDIS, '--redis-prefix', prefix] : []),
      ],
      core,
      /payauth listening/,
    );
  const redisProcess = redisPid();
  const hmacPool = (): PooledRequest[] => {
    const now = Date.now();
    return Array.from({ length: 2000 }, (_, index) => ({
      path: '/api/accounts',
      headers: {
        authorization: formatHmacHeader({
          accessKey: DEMO.hmac.accessKey,
          secretKey: DEMO.hmac.secretKey,
          timestamp: now - index,
        }),
      },
    }));
  };
  const authPool = (): PooledRequest[] => [
    {
      method: 'POST',
      path: '/business/auth',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(DEMO.apiKey),
    },
  ];
  const measure = async (
    servers: Running[],
    ports: number[],
    pool: () => PooledRequest[],
    loadCores: string,
  ): Promise<Sample> => {
    const pids = servers.map((s) => s.child.pid!);
    const loadBefore = loadAverage()[0];
    const cpu = () => pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
    const serverStart = cpu();
    const redisStart = redisProcess ? (cpuSeconds(redisProcess) ?? 0) : 0;
    const start = process.hrtime.bigint();
    // One wrk per process (50 connections each), all at once.
    const results = await Promise.all(
      ports.map((port) =>
        runWrk(`http://127.0.0.1:${port}`, pool(), { seconds: SECONDS, connections: 50, core: loadCores }),
      ),
    );
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    for (const result of results)
      if (result.non2xx > 0) throw new Error(`multicore: ${result.non2xx} non-2xx answers`);
    return {
      requestsPerSecond: results.reduce((sum, r) => sum + r.requestsPerSecond, 0),
      serverCores: (cpu() - serverStart) / wall,
      redisCores: redisProcess ? ((cpuSeconds(redisProcess) ?? 0) - redisStart) / wall : Number.NaN,
      loadBefore,
    };
  };
  // The first process seeds the store (demo credentials, master key file); the others open it.
  const memoryOne = await serve(18_301, 0, false);
  const redisOne = await serve(18_302, 0, true);
  const redisTwoA = await serve(18_303, 0, true);
  const redisTwoB = await serve(18_304, 1, true);
  const setups: Array<[string, Running[], number[], string]> = [
    ['1 process, in-process state (core 0; wrk core 1)', [memoryOne], [18_301], '1'],
    ['1 process, Redis state (core 0; wrk core 1)', [redisOne], [18_302], '1'],
    [
      '2 processes, Redis state, one SQLite store (cores 0 and 1; 2 wrk on both)',
      [redisTwoA, redisTwoB],
      [18_303, 18_304],
      '0,1',
    ],
  ];
  const rows: Row[] = [];
  try {
    for (const [path, pool] of [
      ['hmac GET /api/accounts', hmacPool],
      ['api-key POST /business/auth', authPool],
    ] as const) {
      const samples: Record<string, Sample[]> = Object.fromEntries(setups.map(([name]) => [name, []]));
      for (const [, servers, ports, cores] of setups) await measure(servers, ports, pool, cores);
      for (let run = 0; run < RUNS; run++) {
        for (const [name, servers, ports, cores] of setups) {
          const sample = await measure(servers, ports, pool, cores);
          samples[name]!.push(sample);
          console.error(
            `  ${path}, ${name}: ${Math.round(sample.requestsPerSecond)} req/s, payauth ${sample.serverCores.toFixed(2)} cores, redis ${sample.redisCores.toFixed(2)} cores, load before ${sample.loadBefore}`,
          );
        }
      }
      const one = samples[setups[0]![0]]!;
      const oneRps = median(one.map((s) => s.requestsPerSecond));
      for (const [name] of setups) {
        const list = samples[name]!;
        const rps = median(list.map((s) => s.requestsPerSecond));
        const cores = median(list.map((s) => s.serverCores));
        const redisCores = median(list.map((s) => s.redisCores));
        rows.push({
          name: `${path}: ${name} ÷ 1 process in-process state (payauth ${cores.toFixed(2)} cores, redis-server ${redisCores.toFixed(2)} cores; ${Math.round((cores * 1e6) / rps)} µs payauth CPU/request; load before ${list.map((s) => s.loadBefore).join(', ')})`,
          value: Math.round(rps),
          baseline: Math.round(oneRps),
          ratio: ratio(rps, oneRps),
          unit: 'req/s',
          samples: {
            value: list.map((s) => Math.round(s.requestsPerSecond)),
            baseline: one.map((s) => Math.round(s.requestsPerSecond)),
          },
        });
      }
    }
    return rows;
  } finally {
    for (const server of [memoryOne, redisOne, redisTwoA, redisTwoB]) await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}
