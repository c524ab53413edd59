import { readFileSync } from 'node:fs';
import { loadPkcs12 } from '@payauth/client';
import { createClientAssertion, formatHmacHeader } from '@payauth/core';
import type { DemoCredentials } from '@payauth/server';
import { ROOT, runPinned, startPinned } from '../lib/processes.ts';
import { compareSaturated, type Measured, measureSaturated } from '../lib/saturation.ts';
import { median, ratio } from '../lib/stats.ts';
import { ensureWrk, type PooledRequest } from '../lib/wrk.ts';
import type { Row } from './crypto.ts';

/** One autocannon run's summary. */
export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** Seconds per run and runs per variant (BENCH_SECONDS, BENCH_RUNS). */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Runs autocannon on core 1 against `url` (the client group's fixed loads; saturated figures use wrk). */
export function load(
  url: string,
  headers: Record<string, string> = {},
  options: { method?: string; body?: string; connections?: number; seconds?: number } = {},
): Promise<LoadResult> {
  const args = [
    url,
    String(options.connections ?? 50),
    String(options.seconds ?? SECONDS),
    JSON.stringify(headers),
    options.method ?? 'GET',
  ];
  if (options.body) args.push(options.body);
  return runPinned<LoadResult>(`${ROOT}bench/load/autocannon.ts`, args, 1);
}

/** Gets a Bearer token for each token mechanism from the bench server. */
export async function obtainTokens(
  url: string,
  demo: DemoCredentials,
): Promise<{ apiKey: string; privateKeyJwt: string }> {
  const auth = (await (
    await fetch(`${url}/business/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(demo['api-key']),
    })
  ).json()) as { accessToken: string };
  const pkj = demo['private-key-jwt'];
  const { privateKey, certificate } = loadPkcs12(readFileSync(pkj.pfxPath), pkj.pfxPassword);
  const assertion = createClientAssertion({
    clientId: pkj.clientId,
    privateKey,
    certificate: certificate!,
    audience: pkj.tokenEndpoint,
  });
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope: 'API',
  });
  const token = (await (await fetch(`${url}/connect/token`, { method: 'POST', body: form })).json()) as {
    access_token: string;
  };
  return { apiKey: auth.accessToken, privateKeyJwt: token.access_token };
}

/** A pool of distinct, freshly signed hmac headers (valid for the 5-minute window; single-use is off here). */
export function hmacPool(path: string, demo: DemoCredentials, size = 2000): PooledRequest[] {
  const now = Date.now();
  return Array.from({ length: size }, (_, index) => ({
    path,
    headers: {
      authorization: formatHmacHeader({
        accessKey: demo.hmac.accessKey,
        secretKey: demo.hmac.secretKey,
        timestamp: now - index,
      }),
    },
  }));
}

/**
 * Guards against no guard and against their honest limits: the same Fastify app, wrk on the other core, runs
 * interleaved, medians of RUNS, the server's CPU beside every figure.
 */
export async function runGuards(): Promise<Row[]> {
  ensureWrk();
  const server = await startPinned(`${ROOT}bench/servers/guard-server.ts`, ['18181'], 0, /"url"/);
  const bare = await startPinned(`${ROOT}bench/servers/bare-server.ts`, ['18182'], 0, /"url"/);
  try {
    const { url, demo, pid } = JSON.parse(server.stdout.trim().split('\n')[0]!) as {
      url: string;
      demo: DemoCredentials;
      pid: number;
    };
    const tokens = await obtainTokens(url, demo);
    const bearer = { authorization: `Bearer ${tokens.apiKey}` };
    const bearerApikey = {
      authorization: `Bearer ${tokens.privateKeyJwt}`,
      apikey: demo['private-key-jwt'].apiKey,
    };
    // Each variant: [server pid, base URL, a fresh pool] (fresh hmac headers per run: the group lasts minutes).
    const variants: Record<string, () => [number, string, PooledRequest[]]> = {
      'no guard': () => [pid, url, [{ path: '/bench/none' }]],
      // The unguarded route sent the same requests as each guard (its credential headers, ignored): what the guard
      // itself costs, apart from the parsing of the longer request that a client sends with or without a guard.
      'no guard, hmac request': () => [pid, url, hmacPool('/bench/none', demo)],
      'no guard, Bearer request': () => [pid, url, [{ path: '/bench/none', headers: bearer }]],
      'no guard, Bearer + apikey request': () => [pid, url, [{ path: '/bench/none', headers: bearerApikey }]],
      hmac: () => [pid, url, hmacPool('/bench/hmac', demo)],
      'hmac limit': () => [pid, url, hmacPool('/limit/hmac', demo)],
      Bearer: () => [pid, url, [{ path: '/bench/bearer', headers: bearer }]],
      'Bearer limit': () => [pid, url, [{ path: '/limit/bearer', headers: bearer }]],
      'Bearer + apikey': () => [pid, url, [{ path: '/bench/bearer-apikey', headers: bearerApikey }]],
      'Bearer + apikey limit': () => [pid, url, [{ path: '/limit/bearer-apikey', headers: bearerApikey }]],
      'bare node:http': () => [bare.child.pid!, 'http://127.0.0.1:18182', [{ path: '/' }]],
    };
    const results: Record<string, Measured[]> = Object.fromEntries(
      Object.keys(variants).map((name) => [name, []]),
    );
    // Warm-up (JIT, connections), not recorded.
    for (const make of Object.values(variants)) {
      const [target, base, pool] = make();
      await measureSaturated(target, base, pool, 2);
    }
    for (let run = 0; run < RUNS; run++) {
      for (const [name, make] of Object.entries(variants)) {
        const [target, base, pool] = make();
        const result = await measureSaturated(target, base, pool, SECONDS);
        // A refused request is a broken benchmark; a socket timeout (5 s) on an overloaded machine is recorded.
        if (result.non2xx > 0) throw new Error(`${name}: ${result.non2xx} non-2xx answers`);
        results[name]!.push(result);
        console.error(
          `  ${name}: ${Math.round(result.requestsPerSecond)} req/s, server ${(result.busy * 100).toFixed(0)} % of its core, ${result.microsecondsPerRequest.toFixed(1)} µs CPU/request, others ${result.otherCores.toFixed(2)} cores`,
        );
      }
    }
    const none = results['no guard']!;
    const rows: Row[] = [
      compareSaturated(
        'hmac ÷ its limit (createHmac with a KeyObject, hex digest compared in constant time)',
        results.hmac!,
        results['hmac limit']!,
        0.9,
      ),
      compareSaturated('hmac ÷ no guard', results.hmac!, none, 0.75),
      compareSaturated(
        'hmac ÷ no guard sent the same request',
        results.hmac!,
        results['no guard, hmac request']!,
      ),
      compareSaturated('hmac limit ÷ no guard (what the crypto alone costs)', results['hmac limit']!, none),
      compareSaturated(
        'Bearer (api-key token) ÷ its limit (Ed25519 verify per request)',
        results.Bearer!,
        results['Bearer limit']!,
        0.9,
      ),
      compareSaturated('Bearer (api-key token) ÷ no guard', results.Bearer!, none, 0.85),
      compareSaturated(
        'Bearer (api-key token) ÷ no guard sent the same request',
        results.Bearer!,
        results['no guard, Bearer request']!,
      ),
      compareSaturated(
        'Bearer + apikey (private-key-jwt token) ÷ its limit (Ed25519 verify + apikey compare)',
        results['Bearer + apikey']!,
        results['Bearer + apikey limit']!,
        0.9,
      ),
      compareSaturated(
        'Bearer + apikey (private-key-jwt token) ÷ no guard',
        results['Bearer + apikey']!,
        none,
        0.85,
      ),
      compareSaturated(
        'Bearer + apikey (private-key-jwt token) ÷ no guard sent the same request',
        results['Bearer + apikey']!,
        results['no guard, Bearer + apikey request']!,
      ),
      compareSaturated('Bearer limit ÷ no guard', results['Bearer limit']!, none),
      compareSaturated('bare node:http ÷ Fastify no guard (reference)', results['bare node:http']!, none),
    ];
    // Latency at a fixed rate well below every variant's capacity (open loop, µs resolution): at saturation the
    // latencies above only mirror throughput. The p99 of a shared 2-core machine is noisy: medians of RUNS probes.
    const rate = Number(process.env.BENCH_LATENCY_RATE ?? 3000);
    const hmacHeaders = () => ({
      authorization: formatHmacHeader({
        accessKey: demo.hmac.accessKey,
        secretKey: demo.hmac.secretKey,
        timestamp: Date.now(),
      }),
    });
    const probed: Record<string, [string, () => Record<string, string>]> = {
      'no guard': [`${url}/bench/none`, () => ({})],
      hmac: [`${url}/bench/hmac`, hmacHeaders],
      Bearer: [`${url}/bench/bearer`, () => bearer],
    };
    const probes: Record<string, Array<{ p50: number; p99: number }>> = Object.fromEntries(
      Object.keys(probed).map((name) => [name, []]),
    );
    for (let run = 0; run < RUNS; run++) {
      for (const [name, [target, headers]] of Object.entries(probed)) {
        probes[name]!.push(
          await runPinned<{ p50: number; p99: number }>(
            `${ROOT}bench/load/latency.ts`,
            [target, String(rate), '5', JSON.stringify(headers())],
            1,
          ),
        );
      }
    }
    const baseP50 = median(probes['no guard']!.map((p) => p.p50));
    const baseP99Fixed = median(probes['no guard']!.map((p) => p.p99));
    for (const name of ['hmac', 'Bearer']) {
      const list = probes[name]!;
      const p50 = median(list.map((p) => p.p50));
      const p99 = median(list.map((p) => p.p99));
      rows.push({
        name: `${name} at ${rate} req/s: p99 latency µs (p50 ${p50} µs ÷ no guard ${baseP50} µs = ${ratio(p50, baseP50).toFixed(2)})`,
        value: p99,
        baseline: baseP99Fixed,
        ratio: ratio(p99, baseP99Fixed),
        unit: 'µs',
        ...(name === 'hmac' ? { goal: 'p99 ≤ 1.2×', met: p99 / baseP99Fixed <= 1.2 } : {}),
        samples: { value: list.map((p) => p.p99), baseline: probes['no guard']!.map((p) => p.p99) },
      });
    }
    return rows;
  } finally {
    await server.stop();
    await bare.stop();
  }
}
