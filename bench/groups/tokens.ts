import type { DemoCredentials } from '@payauth/server';
import { ROOT, runPinned, startPinned } from '../lib/processes.ts';
import { median, ratio } from '../lib/stats.ts';
import type { Row } from './crypto.ts';
import { load, RUNS } from './guards.ts';

interface TokenLoad {
  tokensPerSecond: number;
  ok: number;
  failed: number;
}

/** Token endpoints: /connect/token against oidc-provider; /business/auth and Fondy's against a no-crypto floor. */
export async function runTokens(): Promise<Row[]> {
  const server = await startPinned(`${ROOT}bench/servers/guard-server.ts`, ['18183'], 0, /"url"/);
  try {
    const { url, demo } = JSON.parse(server.stdout.trim().split('\n')[0]!) as {
      url: string;
      demo: DemoCredentials;
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
      const payauthRuns: TokenLoad[] = [];
      const oidcRuns: TokenLoad[] = [];
      const count = Number(process.env.BENCH_ASSERTIONS ?? 6000);
      const tokens = (endpoint: string, n: number) =>
        runPinned<TokenLoad>(
          `${ROOT}bench/load/tokens.ts`,
          [endpoint, String(n), '50', pkj.pfxPath, pkj.pfxPassword, pkj.clientId],
          1,
        );
      // A warm-up run each (JIT, connection pools), not recorded; then the same number of tokens from each, interleaved.
      await tokens(pkj.tokenEndpoint, 1000);
      await tokens(tokenEndpoint, 1000);
      for (let run = 0; run < RUNS; run++) {
        payauthRuns.push(await tokens(pkj.tokenEndpoint, count));
        oidcRuns.push(await tokens(tokenEndpoint, count));
      }
      for (const r of [...payauthRuns, ...oidcRuns])
        if (r.failed > 0) throw new Error(`token load: ${r.failed} refused`);
      const ours = median(payauthRuns.map((r) => r.tokensPerSecond));
      const theirs = median(oidcRuns.map((r) => r.tokensPerSecond));
      rows.push({
        name: 'private-key-jwt /connect/token (RS256 assertion verify + replay record + EdDSA token) ÷ oidc-provider client_credentials',
        value: Math.round(ours),
        baseline: Math.round(theirs),
        ratio: ratio(ours, theirs),
        unit: 'tokens/s',
        goal: '≥ 3.00',
        met: ours / theirs >= 3,
        samples: {
          value: payauthRuns.map((r) => Math.round(r.tokensPerSecond)),
          baseline: oidcRuns.map((r) => Math.round(r.tokensPerSecond)),
        },
      });
    } finally {
      await oidc.stop();
    }
    const floor = [];
    const apiKey = [];
    const appToken = [];
    const { signAppToken } = await import('@payauth/core');
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
    for (let run = 0; run < RUNS; run++) {
      floor.push(await load(`${url}/bench/token-floor`, json, { method: 'POST', body: '{}' }));
      apiKey.push(
        await load(`${url}/business/auth`, json, { method: 'POST', body: JSON.stringify(demo['api-key']) }),
      );
      appToken.push(
        await load(`${url}/authorizer/token/application/get`, json, { method: 'POST', body: fondyBody }),
      );
    }
    const floorRps = median(floor.map((r) => r.requestsPerSecond));
    for (const [name, list] of [
      ['api-key /business/auth (peppered hash + EdDSA token) ÷ no-crypto floor', apiKey],
      ['app-token /authorizer/token/application/get (SHA-512 + EdDSA token) ÷ no-crypto floor', appToken],
    ] as const) {
      if (list.some((r) => r.non2xx > 0)) throw new Error(`${name}: refused requests`);
      const value = median(list.map((r) => r.requestsPerSecond));
      rows.push({
        name,
        value: Math.round(value),
        baseline: Math.round(floorRps),
        ratio: ratio(value, floorRps),
        unit: 'req/s',
        samples: {
          value: list.map((r) => Math.round(r.requestsPerSecond)),
          baseline: floor.map((r) => Math.round(r.requestsPerSecond)),
        },
      });
    }
    return rows;
  } finally {
    await server.stop();
  }
}
