import { signAppToken } from '@payauth/core';
import type { DemoCredentials } from '@payauth/server';
import { cpuUse, SATURATED } from '../lib/cpu.ts';
import { ROOT, runPinned, startPinned } from '../lib/processes.ts';
import { compareSaturated, type Measured, measureSaturated, pairedRatio } from '../lib/saturation.ts';
import { median, ratio } from '../lib/stats.ts';
import { ensureWrk } from '../lib/wrk.ts';
import type { Row } from './crypto.ts';
import { RUNS, SECONDS } from './guards.ts';

interface TokenLoad {
  tokensPerSecond: number;
  ok: number;
  failed: number;
  requests: number;
}

/**
 * Token endpoints. `/connect/token` against oidc-provider (same client, certificate and distinct RS256 assertions)
 * and against its limit (RS256 verify + Ed25519 sign, hand-written in the same Fastify app); `/business/auth` and
 * Fondy's endpoint against their limits (keyed hash / SHA-512 + Ed25519 sign) and a no-crypto floor. Server CPU
 * share beside every figure.
 */
export async function runTokens(): Promise<Row[]> {
  ensureWrk();
  const server = await startPinned(`${ROOT}bench/servers/guard-server.ts`, ['18183'], 0, /"url"/);
  try {
    const { url, demo, pid } = JSON.parse(server.stdout.trim().split('\n')[0]!) as {
      url: string;
      demo: DemoCredentials;
      pid: number;
    };
    const pkj = demo['private-key-jwt'];
    const oidc = await startPinned(
      `${ROOT}bench/servers/oidc-server.ts`,
      ['18184', pkj.pfxPath, pkj.pfxPassword, pkj.clientId],
      0,
      /"url"/,
    );
    const rows: Row[] = [];
    try {
      const { tokenEndpoint } = JSON.parse(oidc.stdout.trim().split('\n')[0]!) as { tokenEndpoint: string };
      const count = Number(process.env.BENCH_ASSERTIONS ?? 6000);
      // The assertions are made (RS256-signed) before the clock starts; each is accepted once, so each run gets new
      // ones, all with the real token endpoint as audience (the limit route does not check the audience).
      // The server's CPU is read by the load process around its sending phase only: signing the assertions first
      // takes a second or two in which the server idles, and must not count as unsaturated time.
      const tokens = async (serverPid: number, endpoint: string, audience: string, n: number) => {
        const load = await runPinned<
          Omit<TokenLoad, 'requests'> & { seconds: number; serverCpuSeconds?: number }
        >(
          `${ROOT}bench/load/tokens.ts`,
          [
            endpoint,
            String(n),
            '50',
            pkj.pfxPath,
            pkj.pfxPassword,
            pkj.clientId,
            audience,
            String(serverPid),
          ],
          1,
        );
        if (load.failed > 0) throw new Error(`token load on ${endpoint}: ${load.failed} refused`);
        return {
          ...load,
          requests: load.ok,
          ...cpuUse(load.serverCpuSeconds ?? Number.NaN, load.seconds, load.ok),
        };
      };
      const variants: Record<string, (n: number) => ReturnType<typeof tokens>> = {
        payauth: (n) => tokens(pid, pkj.tokenEndpoint, pkj.tokenEndpoint, n),
        limit: (n) => tokens(pid, `${url}/limit/connect-token`, pkj.tokenEndpoint, n),
        'oidc-provider': (n) => tokens(oidc.child.pid!, tokenEndpoint, tokenEndpoint, n),
      };
      // A warm-up run each (JIT, connection pools), not recorded; then interleaved runs.
      for (const run of Object.values(variants)) await run(1000);
      const results: Record<string, Array<TokenLoad & { busy: number; microsecondsPerRequest: number }>> = {
        payauth: [],
        limit: [],
        'oidc-provider': [],
      };
      for (let run = 0; run < RUNS; run++) {
        for (const [name, go] of Object.entries(variants)) {
          const result = await go(count);
          results[name]!.push(result);
          console.error(
            `  ${name}: ${Math.round(result.tokensPerSecond)} tokens/s, server ${(result.busy * 100).toFixed(0)} % of its core, ${result.microsecondsPerRequest.toFixed(0)} µs CPU/token`,
          );
        }
      }
      const summary = (name: string) => ({
        rate: median(results[name]!.map((r) => r.tokensPerSecond)),
        busy: median(results[name]!.map((r) => r.busy)),
        cpu: median(results[name]!.map((r) => r.microsecondsPerRequest)),
        cpuSamples: results[name]!.map((r) => r.microsecondsPerRequest),
        samples: results[name]!.map((r) => Math.round(r.tokensPerSecond)),
      });
      const ours = summary('payauth');
      for (const [name, other, goal] of [
        [
          '/connect/token (RS256 assertion + replay record + EdDSA token) ÷ oidc-provider client_credentials',
          summary('oidc-provider'),
          3,
        ],
        ['/connect/token ÷ its limit (RS256 verify + Ed25519 sign)', summary('limit'), 0.9],
      ] as const) {
        const counts = ours.busy >= SATURATED && other.busy >= SATURATED;
        rows.push({
          name,
          value: Math.round(ours.rate),
          baseline: Math.round(other.rate),
          ratio: ratio(ours.rate, other.rate),
          unit: 'tokens/s',
          goal: `≥ ${goal.toFixed(2)}`,
          met: counts && ours.rate / other.rate >= goal,
          samples: { value: ours.samples, baseline: other.samples },
          serverCpu: { value: ratio(ours.busy, 1), baseline: ratio(other.busy, 1) },
          cpuPerRequest: {
            value: Math.round(ours.cpu),
            baseline: Math.round(other.cpu),
            ratio: ratio(other.cpu, ours.cpu),
            paired: pairedRatio(ours.cpuSamples, other.cpuSamples),
          },
          counts,
        } as Row);
      }
    } finally {
      await oidc.stop();
    }
    const date = '2020-04-06 11:15:27';
    const fondyBody = JSON.stringify({
      application_id: demo['app-token'].applicationId,
      date,
      signature: signAppToken({
        secretKey: demo['app-token'].secretKey,
        applicationId: demo['app-token'].applicationId,
        date,
      }),
    });
    const json = { 'content-type': 'application/json' };
    const post = (path: string, body: string) => [{ method: 'POST' as const, path, headers: json, body }];
    const apiKeyBody = JSON.stringify(demo['api-key']);
    const variants = {
      floor: post('/bench/token-floor', '{}'),
      '/business/auth': post('/business/auth', apiKeyBody),
      '/business/auth limit': post('/limit/business-auth', apiKeyBody),
      Fondy: post('/authorizer/token/application/get', fondyBody),
      'Fondy limit': post('/limit/fondy', fondyBody),
    };
    const results: Record<string, Measured[]> = Object.fromEntries(
      Object.keys(variants).map((name) => [name, []]),
    );
    for (const pool of Object.values(variants)) await measureSaturated(pid, url, pool, 2);
    for (let run = 0; run < RUNS; run++) {
      for (const [name, pool] of Object.entries(variants)) {
        const result = await measureSaturated(pid, url, pool, SECONDS);
        // A refused request is a broken benchmark; a socket timeout (5 s) on an overloaded machine is recorded.
        if (result.non2xx > 0) throw new Error(`${name}: ${result.non2xx} non-2xx answers`);
        results[name]!.push(result);
        console.error(
          `  ${name}: ${Math.round(result.requestsPerSecond)} req/s, server ${(result.busy * 100).toFixed(0)} % of its core, ${result.microsecondsPerRequest.toFixed(1)} µs CPU/request`,
        );
      }
    }
    rows.push(
      compareSaturated(
        'api-key /business/auth ÷ its limit (keyed hash + Ed25519 sign)',
        results['/business/auth']!,
        results['/business/auth limit']!,
        0.9,
      ),
      compareSaturated(
        'api-key /business/auth ÷ no-crypto floor',
        results['/business/auth']!,
        results.floor!,
      ),
      compareSaturated(
        'app-token (Fondy) ÷ its limit (SHA-512 + Ed25519 sign)',
        results.Fondy!,
        results['Fondy limit']!,
        0.9,
      ),
      compareSaturated('app-token (Fondy) ÷ no-crypto floor', results.Fondy!, results.floor!),
    );
    return rows;
  } finally {
    await server.stop();
  }
}
