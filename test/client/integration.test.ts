import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import {
  apiKey,
  apiMoney,
  createClient,
  emoney,
  fondy,
  hmac,
  PayauthResponseError,
  privateKeyJwt,
  wakapay,
} from '@payauth/client';
import vectors from '@payauth/core/vectors.json' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextOf } from '../../packages/server/src/payauth.ts';
import { startTestServer, type TestServer } from '../support/servers.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

/** Attempts the server recorded so far (successes are counted per second, so compare totals, not time windows). */
async function serverCount(mechanism: string, outcome: 'success' | 'failure'): Promise<number> {
  await t.server.payauth.audit.flush();
  const events = await contextOf(t.server.payauth).store.listAudit({ limit: 100_000 });
  return events
    .filter((e) => e.mechanism === mechanism && e.outcome === outcome)
    .reduce((sum, e) => sum + (e.count ?? 1), 0);
}

/** The eMoney preset for a server's demo client, its key loaded from the password-protected .pfx. */
function emoneyDemo(server: TestServer, clientId = server.demo['private-key-jwt'].clientId) {
  const pkj = server.demo['private-key-jwt'];
  return emoney({
    clientId,
    apiKey: pkj.apiKey,
    pfx: readFileSync(pkj.pfxPath),
    password: pkj.pfxPassword,
    baseUrl: server.url,
  });
}

describe('the four presets against payauth serve', () => {
  it('api-money (hmac)', async () => {
    const client = createClient(apiMoney({ ...t.demo.hmac, baseUrl: t.url }));
    expect(await client.json('/api/accounts')).toEqual(vectors.hmacAccounts.accounts);
  });

  it('fondy (app-token), its token accepted on /api/accounts', async () => {
    const client = createClient(fondy({ ...t.demo['app-token'], baseUrl: t.url }));
    expect(await client.json('/api/accounts')).toEqual(vectors.hmacAccounts.accounts);
    expect(client.auth.tokenRequests).toBe(1);
  });

  it('emoney (private-key-jwt) from the password-protected .pfx', async () => {
    const client = createClient(emoneyDemo(t));
    const users = await client.json<unknown[]>('/public/v1/users');
    expect(users.length).toBeGreaterThan(0);
    await client.json('/public/v1/users');
    expect(client.auth.tokenRequests).toBe(1);
  });

  it('emoney from PEM key and certificate, kid in .NET hex form', async () => {
    const pkj = t.demo['private-key-jwt'];
    const client = createClient({
      baseUrl: t.url,
      auth: privateKeyJwt({
        clientId: pkj.clientId,
        apiKey: pkj.apiKey,
        pem: {
          key: readFileSync(pkj.keyPath, 'utf8'),
          certificate: readFileSync(pkj.certificatePath, 'utf8'),
        },
        kidFormat: 'hex',
      }),
    });
    expect((await client.get('/public/v1/users')).status).toBe(200);
  });

  it('wakapay (api-key)', async () => {
    const client = createClient(wakapay({ ...t.demo['api-key'], baseUrl: t.url }));
    expect(await client.json('/business/balance?currency=USD')).toEqual({
      currency: 'USD',
      balance: '1250.00',
    });
  });
});

describe('one typed error for every provider shape', () => {
  it.each([
    [
      'hmac',
      () =>
        createClient({
          baseUrl: t.url,
          auth: hmac({ accessKey: 'k1rXpphkRG!2-Fox', secretKey: 'wrong-secret-value' }),
        }),
      '/api/accounts',
      401,
      '1002',
    ],
    [
      'api-key',
      () =>
        createClient({
          baseUrl: t.url,
          auth: apiKey({ apiKey: 'your_api_key', apiSecret: 'wrong-secret-value' }),
        }),
      '/business/balance?currency=USD',
      401,
      '0',
    ],
  ])('%s', async (_name, make, path, status, code) => {
    const client = make();
    const error = await client.json(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayauthResponseError);
    expect(error).toMatchObject({ status, providerCode: code });
  });

  it('app-token: Incorrect signature with its request_id', async () => {
    const client = createClient({
      baseUrl: t.url,
      auth: fondy({ applicationId: '1234', secretKey: 'wrong-secret-value', baseUrl: t.url }).auth,
    });
    const error = (await client.json('/api/accounts').catch((e: unknown) => e)) as PayauthResponseError;
    expect(error).toBeInstanceOf(PayauthResponseError);
    expect(error).toMatchObject({
      status: 403,
      mechanism: 'app-token',
      providerCode: '403',
      providerMessage: 'Incorrect signature',
    });
    expect(error.requestId).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it('private-key-jwt: the RFC 6749 error', async () => {
    const client = createClient(emoneyDemo(t, 'unknown-client'));
    const error = (await client.json('/public/v1/users').catch((e: unknown) => e)) as PayauthResponseError;
    expect(error).toMatchObject({
      status: 401,
      providerCode: 'invalid_client',
      mechanism: 'private-key-jwt',
    });
  });
});

describe('token manager against the real server', () => {
  it('1,000 concurrent calls on a cold client make exactly 1 token request (counted at the server)', async () => {
    const before = await serverCount('api-key', 'success');
    const client = createClient(wakapay({ ...t.demo['api-key'], baseUrl: t.url }));
    const responses = await Promise.all(
      Array.from({ length: 1000 }, () => client.get('/business/balance?currency=USD')),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect(client.auth.tokenRequests).toBe(1);
    expect((await serverCount('api-key', 'success')) - before).toBe(1);
  });

  it('a caller can abort its own wait without cancelling the refresh the others wait for', async () => {
    const client = createClient(wakapay({ ...t.demo['api-key'], baseUrl: t.url }));
    const controller = new AbortController();
    const aborted = client
      .get('/business/balance?currency=USD', { signal: controller.signal })
      .catch((error: unknown) => error);
    controller.abort(new Error('caller gave up'));
    const others = await Promise.all(
      Array.from({ length: 5 }, () => client.get('/business/balance?currency=USD')),
    );
    expect(String(await aborted)).toContain('caller gave up');
    expect(others.every((r) => r.status === 200)).toBe(true);
    expect(client.auth.tokenRequests).toBe(1);
  });

  it('a 401 refreshes once and retries once; a straggler 401 with the older token causes no second refresh', async () => {
    const before = await serverCount('api-key', 'success');
    let firstToken: string | undefined;
    let rejectedWithFirst = 0;
    let releaseStraggler: () => void = () => {};
    const stragglerGate = new Promise<void>((resolve) => {
      releaseStraggler = resolve;
    });
    // The server "revokes" the first token: both requests that carried it get a 401, the second one late.
    const faulty: typeof fetch = async (input, init) => {
      const authorization = new Headers(init?.headers).get('authorization') ?? '';
      if (String(input).includes('/business/balance')) {
        firstToken ??= authorization;
        if (authorization === firstToken) {
          rejectedWithFirst++;
          if (rejectedWithFirst === 2) await stragglerGate;
          return new Response('{"code":0,"error":"invalid token"}', { status: 401 });
        }
      }
      return fetch(input, init);
    };
    const client = createClient({ ...wakapay({ ...t.demo['api-key'], baseUrl: t.url }), fetch: faulty });
    await client.auth.authorize();
    const first = client.get('/business/balance?currency=USD');
    const straggler = client.get('/business/balance?currency=USD');
    expect((await first).status).toBe(200);
    releaseStraggler();
    expect((await straggler).status).toBe(200);
    expect(rejectedWithFirst).toBe(2);
    expect(client.auth.tokenRequests).toBe(2);
    expect((await serverCount('api-key', 'success')) - before).toBe(2);
  });

  it('a second 401 in a row is returned, not retried again (never a loop)', async () => {
    let calls = 0;
    const always401: typeof fetch = async (input, init) => {
      if (String(input).includes('/business/balance')) {
        calls++;
        return new Response('{"code":0,"error":"invalid token"}', { status: 401 });
      }
      return fetch(input, init);
    };
    const client = createClient({ ...wakapay({ ...t.demo['api-key'], baseUrl: t.url }), fetch: always401 });
    expect((await client.get('/business/balance?currency=USD')).status).toBe(401);
    expect(calls).toBe(2);
    expect(client.auth.tokenRequests).toBe(2);
  });
});

describe('a server whose clock is 10 minutes off', () => {
  for (const offset of [10 * 60_000, -10 * 60_000]) {
    describe(`${offset > 0 ? 'ahead' : 'behind'}`, () => {
      let skewed: TestServer;
      beforeAll(async () => {
        skewed = await startTestServer({ now: () => Date.now() + offset });
      });
      afterAll(() => skewed.close());

      it('hmac succeeds after at most one rejected request', async () => {
        const client = createClient(apiMoney({ ...skewed.demo.hmac, baseUrl: skewed.url }));
        expect((await client.get('/api/accounts')).status).toBe(200);
        expect(Math.abs(client.clock.offsetMs - offset)).toBeLessThan(5000);
        expect((await client.get('/api/accounts')).status).toBe(200);
        await skewed.server.payauth.audit.flush();
        const failures = (await contextOf(skewed.server.payauth).store.listAudit()).filter(
          (e) => e.mechanism === 'hmac' && e.outcome === 'failure',
        );
        expect(failures.length).toBeLessThanOrEqual(1);
      });

      it('private-key-jwt succeeds after at most one rejected token request', async () => {
        const client = createClient(emoneyDemo(skewed));
        expect((await client.get('/public/v1/users')).status).toBe(200);
        await skewed.server.payauth.audit.flush();
        const failures = (await contextOf(skewed.server.payauth).store.listAudit()).filter(
          (e) => e.mechanism === 'private-key-jwt' && e.outcome === 'failure',
        );
        expect(failures.length).toBeLessThanOrEqual(1);
      });
    });
  }
});

describe('no secret, token or assertion in errors, inspected objects or JSON', () => {
  it('greps everything a run of the four mechanisms produces', async () => {
    const pkj = t.demo['private-key-jwt'];
    const secrets = [
      t.demo.hmac.secretKey,
      t.demo['app-token'].secretKey,
      t.demo['api-key'].apiSecret,
      pkj.pfxPassword,
      'wrong-secret-value-1',
    ];
    const clients = [
      createClient(apiMoney({ ...t.demo.hmac, baseUrl: t.url })),
      createClient(fondy({ ...t.demo['app-token'], baseUrl: t.url })),
      createClient(emoneyDemo(t)),
      createClient(wakapay({ ...t.demo['api-key'], baseUrl: t.url })),
      createClient(wakapay({ apiKey: 'your_api_key', apiSecret: 'wrong-secret-value-1', baseUrl: t.url })),
      createClient(
        apiMoney({ accessKey: 'k1rXpphkRG!2-Fox', secretKey: 'wrong-secret-value-1', baseUrl: t.url }),
      ),
    ];
    const paths = [
      '/api/accounts',
      '/api/accounts',
      '/public/v1/users',
      '/business/balance?currency=USD',
      '/business/balance?currency=USD',
      '/api/accounts',
    ];
    const texts: string[] = [];
    const tokens: string[] = [];
    for (const [index, client] of clients.entries()) {
      try {
        await client.json(paths[index]!);
        const authorization = await client.auth.authorize();
        if (authorization.token) tokens.push(authorization.token);
      } catch (error) {
        texts.push(
          String(error),
          (error as Error).message,
          inspect(error, { depth: 5 }),
          JSON.stringify(error),
        );
      }
      texts.push(
        inspect(client, { depth: 5 }),
        JSON.stringify(client),
        inspect(client.auth, { depth: 5 }),
        JSON.stringify(client.auth),
      );
    }
    expect(tokens).toHaveLength(3);
    expect(texts.some((t) => t.includes('1002'))).toBe(true);
    const all = texts.join('\n');
    for (const value of [...secrets, ...tokens, pkj.apiKey]) expect(all).not.toContain(value);
  });
});
