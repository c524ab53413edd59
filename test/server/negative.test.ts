import { createHmac, createPublicKey, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type KeyMaterial, loadPkcs12 } from '@payauth/client/keys';
import {
  computeThumbprints,
  createClientAssertion,
  encodeBase64url,
  formatHmacHeader,
  HMAC_REJECTION_BODY,
  signAppToken,
} from '@payauth/core';
import vectors from '@payauth/core/vectors.json' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextOf } from '../../packages/server/src/payauth.ts';
import { hmacFailureCases } from '../support/hmac-cases.ts';
import { startTestServer, type TestServer } from '../support/servers.ts';

let t: TestServer;
let key: KeyMaterial;
const hmacVector = vectors.hmac[0]!;

beforeAll(async () => {
  t = await startTestServer({ hints: true });
  key = loadPkcs12(readFileSync(t.demo['private-key-jwt'].pfxPath), t.demo['private-key-jwt'].pfxPassword);
});
afterAll(() => t.close());

async function call(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(`${t.url}${path}`, init);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

const hmacHeader = (
  overrides: { timestamp?: number; secretKey?: string; accessKey?: string; version?: string } = {},
) =>
  formatHmacHeader({
    accessKey: overrides.accessKey ?? hmacVector.accessKey,
    secretKey: overrides.secretKey ?? hmacVector.secretKey,
    timestamp: overrides.timestamp ?? Date.now(),
    ...(overrides.version ? { version: overrides.version } : {}),
  });

describe('hmac: every failure is 401 with the documented 1002 body, and the hint names the cause', () => {
  const cases = hmacFailureCases(hmacHeader);
  for (const [name, make, code] of cases) {
    it(name, async () => {
      const header = make();
      const init = header === undefined ? {} : { headers: { Authorization: header } };
      const { status, body, headers } = await call('/api/accounts', init);
      expect(status).toBe(401);
      expect(body).toBe(HMAC_REJECTION_BODY);
      expect(headers.get('payauth-hint')).toMatch(new RegExp(`^${code}`));
      expect(headers.get('payauth-hint')).not.toContain(hmacVector.secretKey);
    });
  }

  it('the hint says "seconds" when the timestamp is in seconds', async () => {
    const { headers } = await call('/api/accounts', {
      headers: { Authorization: hmacHeader({ timestamp: Math.floor(Date.now() / 1000) }) },
    });
    expect(headers.get('payauth-hint')).toMatch(/seconds/);
  });

  it('a header sent twice is accepted twice by default (the document has no replay rule)', async () => {
    const header = hmacHeader();
    expect((await call('/api/accounts', { headers: { Authorization: header } })).status).toBe(200);
    expect((await call('/api/accounts', { headers: { Authorization: header } })).status).toBe(200);
  });
});

describe('hmac single-use mode', () => {
  let single: TestServer;
  beforeAll(async () => {
    single = await startTestServer({
      config: { hmac: { maxAgeMs: 300_000, maxFutureMs: 300_000, singleUse: true } },
    });
  });
  afterAll(() => single.close());
  it('accepts a header once, then answers 1002', async () => {
    const header = hmacHeader();
    expect((await fetch(`${single.url}/api/accounts`, { headers: { Authorization: header } })).status).toBe(
      200,
    );
    const again = await fetch(`${single.url}/api/accounts`, { headers: { Authorization: header } });
    expect(again.status).toBe(401);
    expect(await again.text()).toBe(HMAC_REJECTION_BODY);
  });
});

describe('app-token: 403 bodies', () => {
  const post = (body: string, contentType = 'application/json') =>
    call('/authorizer/token/application/get', {
      method: 'POST',
      headers: { 'Content-Type': contentType },
      body,
    });
  const signed = (overrides: Record<string, unknown> = {}) => {
    const date = new Date().toISOString();
    return JSON.stringify({
      application_id: '1234',
      date,
      signature: signAppToken({ secretKey: t.demo['app-token'].secretKey, applicationId: '1234', date }),
      ...overrides,
    });
  };
  const expectFondy = (body: string, message: string) => {
    const json = JSON.parse(body);
    expect(Object.keys(json)).toEqual(['error_code', 'error_message', 'request_id']);
    expect(json.error_code).toBe(403);
    expect(json.error_message).toContain(message);
    expect(json.request_id).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(body).toBe(
      JSON.stringify({ error_code: 403, error_message: json.error_message, request_id: json.request_id }),
    );
  };

  it('wrong signature and unknown application get the same documented answer', async () => {
    for (const body of [signed({ signature: 'a'.repeat(128) }), signed({ application_id: '9999' })]) {
      const response = await post(body);
      expect(response.status).toBe(403);
      expectFondy(response.body, 'Incorrect signature');
      expect(JSON.parse(response.body).error_message).toBe('Incorrect signature');
    }
  });

  it.each([
    ['missing application_id', () => '{"date":"x","signature":"y"}', 'application_id'],
    ['long application_id', () => signed({ application_id: 'x'.repeat(21) }), 'application_id'],
    ['long date', () => signed({ date: 'd'.repeat(1025) }), 'date'],
    ['long signature', () => signed({ signature: 's'.repeat(129) }), 'signature'],
    ['not JSON', () => 'not json', 'JSON'],
    ['an array', () => '[]', 'object'],
  ])('names the invalid parameter: %s', async (_name, body, message) => {
    const response = await post(body());
    expect(response.status).toBe(403);
    expectFondy(response.body, message);
  });

  it('an oversized body is a 403 in the documented shape, not a 413 or a 500', async () => {
    const response = await post(signed({ date: 'x'.repeat(100_000) }));
    expect(response.status).toBe(403);
    expectFondy(response.body, 'larger than');
  });
});

describe('app-token strict mode', () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer({
      config: { appToken: { strict: true, dateWindowMs: 300_000, lifetimeSeconds: 3602 } },
    });
  });
  afterAll(() => strict.close());
  const post = (date: string) =>
    fetch(`${strict.url}/authorizer/token/application/get`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        application_id: '1234',
        date,
        signature: signAppToken({
          secretKey: strict.demo['app-token'].secretKey,
          applicationId: '1234',
          date,
        }),
      }),
    });
  it('refuses the document date (stale), accepts a fresh one once, refuses its replay', async () => {
    expect((await post('2020-04-06 11:15:27')).status).toBe(403);
    const date = String(Math.floor(Date.now() / 1000));
    expect((await post(date)).status).toBe(200);
    const replay = await post(date);
    expect(replay.status).toBe(403);
    expect(((await replay.json()) as { error_message: string }).error_message).toBe('Signature already used');
  });
});

describe('private-key-jwt: RFC 6749 errors', () => {
  const form = (fields: Record<string, string>) =>
    call('/connect/token', { method: 'POST', body: new URLSearchParams(fields) });
  const base = () => ({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    scope: 'API',
  });
  const assertion = (overrides: Partial<Parameters<typeof createClientAssertion>[0]> = {}) =>
    createClientAssertion({
      clientId: t.demo['private-key-jwt'].clientId,
      privateKey: key.privateKey,
      certificate: key.certificate!,
      audience: t.demo['private-key-jwt'].tokenEndpoint,
      ...overrides,
    });
  const crafted = (header: object, payload: object, signature = '') =>
    `${encodeBase64url(JSON.stringify(header))}.${encodeBase64url(JSON.stringify(payload))}.${signature}`;
  const claims = (overrides: object = {}) => {
    const s = Math.floor(Date.now() / 1000);
    const id = t.demo['private-key-jwt'].clientId;
    return {
      sub: id,
      iss: id,
      aud: t.demo['private-key-jwt'].tokenEndpoint,
      exp: s + 60,
      iat: s,
      jti: randomBytes(8).toString('hex'),
      ...overrides,
    };
  };
  const expectOAuth = (response: { status: number; body: string }, status: number, error: string) => {
    expect(response.status).toBe(status);
    const json = JSON.parse(response.body);
    expect(Object.keys(json)).toEqual(['error', 'error_description']);
    expect(json.error).toBe(error);
  };

  it('accepts aud = issuer (openid-client) and a kid in hex (.NET)', async () => {
    expect((await form({ ...base(), client_assertion: assertion({ audience: t.url }) })).status).toBe(200);
    expect((await form({ ...base(), client_assertion: assertion({ kidFormat: 'hex' }) })).status).toBe(200);
    expect((await form({ ...base(), client_assertion: assertion({ kidFormat: 'x5t#S256' }) })).status).toBe(
      200,
    );
  });

  it('alg none', async () => {
    expectOAuth(
      await form({ ...base(), client_assertion: crafted({ alg: 'none', typ: 'JWT' }, claims()) }),
      401,
      'invalid_client',
    );
  });

  it('HS256 signed with the public key as the secret', async () => {
    const publicPem = createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' });
    const unsigned = crafted({ alg: 'HS256', typ: 'JWT' }, claims()).slice(0, -1);
    const signature = createHmac('sha256', publicPem).update(unsigned).digest('base64url');
    expectOAuth(
      await form({ ...base(), client_assertion: `${unsigned}.${signature}` }),
      401,
      'invalid_client',
    );
  });

  it('exp more than one day ahead (iat now, signed with the registered key)', async () => {
    const s = Math.floor(Date.now() / 1000);
    const unsigned = crafted(
      { alg: 'RS256', kid: computeThumbprints(key.certificate!).x5t, typ: 'JWT' },
      claims({ iat: s, nbf: s, exp: s + 2 * 86_400 }),
    ).slice(0, -1);
    const signature = sign('sha256', Buffer.from(unsigned), key.privateKey).toString('base64url');
    const response = await form({ ...base(), client_assertion: `${unsigned}.${signature}` });
    expectOAuth(response, 401, 'invalid_client');
    expect(response.headers.get('payauth-hint')).toMatch(/^ERR_ASSERTION_LIFETIME_TOO_LONG/);
  });

  it('wrong aud', async () => {
    const response = await form({
      ...base(),
      client_assertion: assertion({ audience: 'https://signin.emaplan.com/connect/token' }),
    });
    expectOAuth(response, 401, 'invalid_client');
    expect(response.headers.get('payauth-hint')).toMatch(/^ERR_ASSERTION_AUDIENCE_MISMATCH/);
  });

  it('replay of an accepted assertion', async () => {
    const jwt = assertion();
    expect((await form({ ...base(), client_assertion: jwt })).status).toBe(200);
    const replay = await form({ ...base(), client_assertion: jwt });
    expectOAuth(replay, 401, 'invalid_client');
    expect(replay.headers.get('payauth-hint')).toMatch(/^ERR_ASSERTION_REPLAYED/);
  });

  it('only one of concurrent requests with the same assertion gets a token', async () => {
    const jwt = assertion();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => form({ ...base(), client_assertion: jwt })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('unknown client, client_id mismatch, missing assertion, wrong grant, wrong content type, repeated parameter', async () => {
    expectOAuth(
      await form({ ...base(), client_assertion: assertion({ clientId: 'nobody' }) }),
      401,
      'invalid_client',
    );
    expectOAuth(
      await form({ ...base(), client_id: 'other', client_assertion: assertion() }),
      401,
      'invalid_client',
    );
    expectOAuth(await form(base()), 401, 'invalid_client');
    expectOAuth(
      await form({ ...base(), grant_type: 'password', client_assertion: assertion() }),
      400,
      'unsupported_grant_type',
    );
    expectOAuth(
      await form({ ...base(), scope: 'ADMIN', client_assertion: assertion() }),
      400,
      'invalid_scope',
    );
    expectOAuth(
      await call('/connect/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      }),
      400,
      'invalid_request',
    );
    expectOAuth(
      await call('/connect/token', {
        method: 'POST',
        body: `grant_type=client_credentials&grant_type=client_credentials`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
      400,
      'invalid_request',
    );
    const basic = await call('/connect/token', {
      method: 'POST',
      headers: { Authorization: 'Basic Zm9vOmJhcg==', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expectOAuth(basic, 401, 'invalid_client');
    expect(basic.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('the resource needs a valid token and the apikey (RFC 6750 challenge)', async () => {
    const token = JSON.parse((await form({ ...base(), client_assertion: assertion() })).body)
      .access_token as string;
    const apikey = t.demo['private-key-jwt'].apiKey;
    expect(
      (await call('/public/v1/users', { headers: { Authorization: `Bearer ${token}`, apikey } })).status,
    ).toBe(200);
    for (const headers of [
      { Authorization: `Bearer ${token}` },
      { Authorization: `Bearer ${token}`, apikey: 'wrong' },
      { apikey },
      { Authorization: `Bearer ${token.slice(0, -2)}xx`, apikey },
    ]) {
      const response = await call('/public/v1/users', { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect(JSON.parse(response.body).error).toBe('invalid_token');
      expect(response.body).not.toContain(token);
    }
  });
});

describe('api-key: the documented bodies, byte for byte', () => {
  for (const example of vectors.apiKey.errors) {
    it(example.case, async () => {
      const response = await call('/business/auth', {
        method: 'POST',
        headers: { 'Content-Type': example.contentType },
        body: example.body,
      });
      expect(response.status).toBe(example.status);
      expect(response.body).toBe(example.response);
    });
  }

  it('no content type, an empty body, an oversized body', async () => {
    const noType = await fetch(`${t.url}/business/auth`, {
      method: 'POST',
      body: new Blob(['{"apiKey":"a","apiSecret":"b"}']),
    });
    expect(noType.status).toBe(400);
    expect(await noType.text()).toBe('{"code":0,"error":"invalid payload"}');
    const empty = await call('/business/auth', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(empty.body).toBe('{"code":0,"error":"invalid payload"}');
    const huge = await call('/business/auth', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiKey: 'your_api_key', apiSecret: 'x'.repeat(200_000) }),
    });
    expect(huge.status).toBe(400);
    expect(huge.body).toBe('{"code":0,"error":"invalid payload"}');
  });

  it('a bad token on the balance is 401 {"code":0,"error":"invalid token"}; a missing currency is 400', async () => {
    const bad = await call('/business/balance?currency=USD', {
      headers: { Authorization: 'Bearer abc.def.ghi' },
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toBe('{"code":0,"error":"invalid token"}');
    const auth = JSON.parse(
      (
        await call('/business/auth', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(vectors.apiKey.request),
        })
      ).body,
    );
    const noCurrency = await call('/business/balance', {
      headers: { Authorization: `Bearer ${auth.accessToken}` },
    });
    expect(noCurrency.status).toBe(400);
  });
});

describe('bounded input: never a 500, never a stack trace', () => {
  it('an oversized header is refused by the HTTP layer (431), the server keeps serving', async () => {
    const response = await call('/api/accounts', {
      headers: { Authorization: `AUTH ${'k'.repeat(20_000)}` },
    });
    expect([400, 431]).toContain(response.status);
    expect((await call('/health')).status).toBe(200);
  });

  it('random bodies and headers on every route get a documented 4xx', async () => {
    const routes: Array<[string, string]> = [
      ['POST', '/authorizer/token/application/get'],
      ['POST', '/connect/token'],
      ['POST', '/business/auth'],
      ['GET', '/api/accounts'],
      ['GET', '/public/v1/users'],
      ['GET', '/business/balance?currency=USD'],
    ];
    for (let i = 0; i < 60; i++) {
      const [method, path] = routes[i % routes.length]!;
      const noise = randomBytes(1 + ((i * 37) % 300)).toString(i % 2 ? 'latin1' : 'base64');
      const response = await call(path, {
        method,
        headers: {
          'Content-Type': ['application/json', 'application/x-www-form-urlencoded', 'text/plain'][i % 3]!,
          Authorization: `${['AUTH ', 'Bearer ', ''][i % 3]}${Buffer.from(noise, 'latin1').toString('base64').slice(0, 200)}`,
        },
        ...(method === 'POST' ? { body: noise } : {}),
      });
      expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${method} ${path}`).toBeLessThan(500);
      expect(response.body).not.toMatch(/at .*\.ts:\d+|Error:/);
    }
  });

  it('unknown routes are a JSON 404', async () => {
    const response = await call('/nope');
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body).error).toBe('not_found');
  });
});

describe('failure budgets', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({
      failureBudget: {
        perCredential: { limit: 3, windowMs: 60_000 },
        perAddress: { limit: 1000, windowMs: 60_000 },
      },
    });
  });
  afterAll(() => limited.close());
  it('after the budget, 429 with Retry-After in the route shape, even for a correct request', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${limited.url}/api/accounts`, {
        headers: { Authorization: hmacHeader({ secretKey: 'wrong' }) },
      });
      expect(response.status).toBe(401);
    }
    const blocked = await fetch(`${limited.url}/api/accounts`, { headers: { Authorization: hmacHeader() } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.json()).toEqual({ code: '429', message: 'too many failed attempts, retry later' });
    const wakapay = await fetch(`${limited.url}/business/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiKey: 'your_api_key', apiSecret: 'wrong' }),
    });
    expect(wakapay.status).toBe(401);
  });
});

describe('audit trail', () => {
  it('records successes and failures with reason codes and no secret', async () => {
    await t.server.payauth.audit.flush();
    const events = await contextOf(t.server.payauth).store.listAudit({ limit: 10_000 });
    expect(events.some((e) => e.outcome === 'success' && e.mechanism === 'hmac')).toBe(true);
    expect(events.some((e) => e.reason === 'ERR_HMAC_TIMESTAMP_STALE')).toBe(true);
    expect(events.some((e) => e.reason === 'ERR_ASSERTION_REPLAYED')).toBe(true);
    const text = JSON.stringify(events);
    for (const secret of [hmacVector.secretKey, t.demo['api-key'].apiSecret, t.demo['app-token'].secretKey]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('behind a load balancer (--trust-proxy)', () => {
  let proxied: TestServer;
  beforeAll(async () => {
    proxied = await startTestServer({
      trustProxy: true,
      failureBudget: {
        perCredential: { limit: 100, windowMs: 60_000 },
        perAddress: { limit: 2, windowMs: 60_000 },
      },
    });
  });
  afterAll(() => proxied.close());
  it('budgets and audits the client address from X-Forwarded-For, not the proxy', async () => {
    const call = (client: string) =>
      fetch(`${proxied.url}/api/accounts`, {
        headers: { Authorization: hmacHeader({ secretKey: 'wrong' }), 'X-Forwarded-For': client },
      }).then((r) => r.status);
    expect(await call('203.0.113.7')).toBe(401);
    expect(await call('203.0.113.7')).toBe(401);
    expect(await call('203.0.113.7')).toBe(429);
    expect(await call('198.51.100.9')).toBe(401);
    await proxied.server.payauth.audit.flush();
    const addresses = new Set(
      (await contextOf(proxied.server.payauth).store.listAudit()).map((e) => e.address),
    );
    expect(addresses).toEqual(new Set(['203.0.113.7', '198.51.100.9']));
  });
});

describe('a revoked eMoney client', () => {
  it('gets the generic invalid_client answer (the reason only in the hint), and its tokens stop working', async () => {
    const revokedServer = await startTestServer({ hints: true });
    try {
      const pkj = revokedServer.demo['private-key-jwt'];
      const material = loadPkcs12(readFileSync(pkj.pfxPath), pkj.pfxPassword);
      const assertion = () =>
        createClientAssertion({
          clientId: pkj.clientId,
          privateKey: material.privateKey,
          certificate: material.certificate!,
          audience: pkj.tokenEndpoint,
        });
      const request = (jwt: string) =>
        fetch(`${revokedServer.url}/connect/token`, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: jwt,
            scope: 'API',
          }),
        });
      const { access_token } = (await (await request(assertion())).json()) as { access_token: string };
      await revokedServer.service.revoke(pkj.clientId);
      await contextOf(revokedServer.server.payauth).resolver.poll();
      const refused = await request(assertion());
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
      expect(refused.headers.get('payauth-hint')).toMatch(/^ERR_CREDENTIAL_REVOKED/);
      const users = await fetch(`${revokedServer.url}/public/v1/users`, {
        headers: { Authorization: `Bearer ${access_token}`, apikey: pkj.apiKey },
      });
      expect(users.status).toBe(401);
    } finally {
      await revokedServer.close();
    }
  });
});
