import { readFileSync } from 'node:fs';
import {
  apiMoney,
  type ClientOptions,
  createClient,
  emoney,
  fondy,
  MalformedResponseError,
  PayauthResponseError,
  PayauthTimeoutError,
  wakapay,
} from '@payauth/client';
import { createJwksVerifier, TokenVerificationError } from '@payauth/client/jwks';
import { formatRehearsal, rehearse, SCENARIOS } from '@payauth/client/rehearsal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/servers.ts';

// @payauth/client against the real sandbox playing each scenario (docs/rehearsal.md): the behaviours one by one, then
// the exported runner for the four presets. The scripted twins of these tests are packages/client/src/*.test.ts.

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ scenarios: true });
});
afterAll(() => t.close());

function presets(): Record<'wakapay' | 'fondy' | 'emoney' | 'api-money', ClientOptions> {
  const pkj = t.demo['private-key-jwt'];
  return {
    wakapay: wakapay({ ...t.demo['api-key'], baseUrl: t.url }),
    fondy: fondy({ ...t.demo['app-token'], baseUrl: t.url }),
    emoney: emoney({
      clientId: pkj.clientId,
      apiKey: pkj.apiKey,
      pfx: readFileSync(pkj.pfxPath),
      password: pkj.pfxPassword,
      baseUrl: t.url,
    }),
    'api-money': apiMoney({ ...t.demo.hmac, baseUrl: t.url }),
  };
}

/** A client whose requests to `path` (or the token endpoint) carry `Payauth-Scenario: value` the first `times` times. */
function playing(options: ClientOptions, match: string, value: string, times = 1) {
  let left = times;
  const requests: Array<{ path: string; status: number | string }> = [];
  const client = createClient({
    ...options,
    retry: { minDelayMs: 10 },
    fetch: async (input, init = {}) => {
      const path = new URL(String(input)).pathname;
      const headers = new Headers(init.headers);
      if (path === match && left > 0) {
        left--;
        headers.set('payauth-scenario', value);
      }
      try {
        const response = await fetch(input, { ...init, headers });
        requests.push({ path, status: response.status });
        return response;
      } catch (error) {
        requests.push({ path, status: (error as Error).name });
        throw error;
      }
    },
  });
  return { client, requests };
}

describe('each scenario against the sandbox', () => {
  it('token-expired: one new token, one retry; a second refusal reaches the caller, no loop', async () => {
    const { client, requests } = playing(presets().wakapay, '/business/balance', 'token-expired', 5);
    expect((await client.get('/business/balance?currency=USD')).status).toBe(401);
    expect(requests.map((r) => `${r.path} ${r.status}`)).toEqual([
      '/business/auth 200',
      '/business/balance 401',
      '/business/auth 200',
      '/business/balance 401',
    ]);
  });

  it('credential-revoked: eMoney invalid_client is a typed error after one token request', async () => {
    const { client, requests } = playing(presets().emoney, '/connect/token', 'credential-revoked');
    const error = await client.json('/public/v1/users').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayauthResponseError);
    expect(error).toMatchObject({ status: 401, providerCode: 'invalid_client' });
    expect(requests).toHaveLength(1);
  });

  it('rate-limited past the bound: the 429 reaches the caller at once, with its Retry-After', async () => {
    const { client, requests } = playing(
      presets().fondy,
      '/authorizer/token/application/get',
      'rate-limited; retry-after=60',
    );
    const error = (await client.json('/api/accounts').catch((e: unknown) => e)) as PayauthResponseError;
    expect(error).toBeInstanceOf(PayauthResponseError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 60_000 });
    expect(requests).toHaveLength(1);
  });

  it('unavailable on a token request: sent again after Retry-After, then the GET', async () => {
    const { client, requests } = playing(presets().wakapay, '/business/auth', 'unavailable; retry-after=1');
    expect((await client.get('/business/balance?currency=USD')).status).toBe(200);
    expect(requests.map((r) => `${r.path} ${r.status}`)).toEqual([
      '/business/auth 503',
      '/business/auth 200',
      '/business/balance 200',
    ]);
  });

  it('server-error on every try: the bounded retries, then the 500 in the provider shape', async () => {
    const { client, requests } = playing(presets()['api-money'], '/api/accounts', 'server-error', 10);
    const error = (await client.json('/api/accounts').catch((e: unknown) => e)) as PayauthResponseError;
    expect(error.status).toBe(500);
    expect(requests).toHaveLength(3);
  });

  it('slow past the timeout on every try: a typed timeout after the retries', async () => {
    const { client, requests } = playing(
      { ...presets()['api-money'], timeoutMs: 200 },
      '/api/accounts',
      'slow; ms=2000',
      3,
    );
    const error = await client.get('/api/accounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayauthTimeoutError);
    expect(requests.map((r) => r.status)).toEqual([
      'PayauthTimeoutError',
      'PayauthTimeoutError',
      'PayauthTimeoutError',
    ]);
  });

  it('clock-skew: hmac learns the offset from Date and is refused once', async () => {
    // Ahead only: a sandbox clock moved back before the demo credential's creation finds no live secret for it.
    for (const seconds of [600, 900]) {
      const { client, requests } = playing(
        presets()['api-money'],
        '/api/accounts',
        `clock-skew; seconds=${seconds}`,
        2,
      );
      const status = (await client.get('/api/accounts')).status;
      expect({ seconds, status, requests: requests.map((r) => r.status) }).toEqual({
        seconds,
        status: 200,
        requests: [401, 200],
      });
      expect(Math.abs(client.clock.offsetMs - seconds * 1000)).toBeLessThanOrEqual(2000);
    }
  });

  it('malformed-token: a typed error for each token mechanism, one request', async () => {
    const all = presets();
    for (const [name, path] of [
      ['wakapay', '/business/auth'],
      ['fondy', '/authorizer/token/application/get'],
      ['emoney', '/connect/token'],
    ] as const) {
      const { client, requests } = playing(all[name]!, path, 'malformed-token');
      const error = await client.get('/').catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(MalformedResponseError);
      expect(requests, name).toHaveLength(1);
    }
  });

  it('key-rotated: a resource server fetches the JWKS again once on the new kid; the old token still verifies', async () => {
    const verifier = createJwksVerifier({
      jwksUri: `${t.url}/.well-known/jwks.json`,
      issuer: t.url,
      audience: `${t.url}/api-key`,
    });
    const before = createClient(presets().wakapay);
    const old = (await before.auth.authorize()).token!;
    const oldKid = (await verifier.verify(old)).kid;
    const { client } = playing(presets().wakapay, '/business/auth', 'key-rotated');
    const fresh = (await client.auth.authorize()).token!;
    const verified = await verifier.verify(fresh);
    expect(verified.kid).not.toBe(oldKid);
    expect(verified.claims).toMatchObject({ iss: t.url, client_id: 'your_api_key' });
    expect(verifier.fetches).toBe(2);
    expect((await verifier.verify(old)).kid).toBe(oldKid);
    const wrongAudience = createJwksVerifier({
      jwksUri: `${t.url}/.well-known/jwks.json`,
      issuer: t.url,
      audience: `${t.url}/private-key-jwt`,
    });
    await expect(wrongAudience.verify(fresh)).rejects.toBeInstanceOf(TokenVerificationError);
  });
});

describe('the exported runner', () => {
  it.each(['wakapay', 'fondy', 'emoney', 'api-money'])(
    '%s passes every scenario',
    { timeout: 60_000 },
    async (name) => {
      const report = await rehearse({ client: presets()[name as 'wakapay']!, label: name });
      expect(report.passed, formatRehearsal(report)).toBe(true);
      expect(report.results.map((result) => result.scenario)).toEqual([...SCENARIOS]);
      const applicable = report.results.filter((result) => result.result === 'pass').length;
      expect(applicable).toBe(name === 'api-money' ? 6 : 9);
    },
  );

  it('a client that does not retry fails the retry scenarios, and the report says why', async () => {
    const report = await rehearse({
      client: { ...presets().wakapay, retry: false },
      scenarios: ['rate-limited', 'token-expired'],
    });
    expect(report.passed).toBe(false);
    expect(report.results[0]).toMatchObject({ scenario: 'rate-limited', result: 'fail' });
    expect(report.results[0]!.problem).toMatch(/not 200/);
    expect(formatRehearsal(report)).toContain('why: ');
  });
});
