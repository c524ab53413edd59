import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { type KeyMaterial, loadPkcs12 } from '@payauth/client/keys';
import {
  createClientAssertion,
  encodeBase64url,
  formatHmacHeader,
  HMAC_REJECTION_BODY,
  isValidPublicId,
  signAppToken,
} from '@payauth/core';
import { MemorySharedState, type SharedState, StoreUnavailableError } from '@payauth/server';
import { payauthRouter, requireAuth } from '@payauth/server/express';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextOf } from '../../packages/server/src/payauth.ts';
import { freePort, runPayauth, startTestServer, type TestServer } from '../support/servers.ts';
import { parseAnswer, rawRequest } from './support.ts';

const json = { 'Content-Type': 'application/json' };
const portOf = (url: string) => Number(new URL(url).port);

describe('1. one id grammar before any store sees an id', () => {
  it('isValidPublicId: control characters, lone surrogates and length are refused', () => {
    for (const id of ['k1rXpphkRG!2-Fox', '1234', 'your_api_key', 'emoney-demo-client', 'é-ok'])
      expect(isValidPublicId(id)).toBe(true);
    for (const id of [
      '',
      'a\u0000b',
      'a\nb',
      'tab\there',
      'del\u007f',
      'c1\u0085',
      '\ud800x',
      'x'.repeat(257),
    ])
      expect(isValidPublicId(id)).toBe(false);
  });

  let t: TestServer;
  let material: KeyMaterial;
  const seen: string[] = [];
  beforeAll(async () => {
    t = await startTestServer({ failureBudget: { perCredential: { limit: 3, windowMs: 60_000 } } });
    material = loadPkcs12(
      readFileSync(t.demo['private-key-jwt'].pfxPath),
      t.demo['private-key-jwt'].pfxPassword,
    );
    const store = contextOf(t.server.payauth).store;
    const original = store.findCredential.bind(store);
    store.findCredential = (mechanism, publicId) => {
      seen.push(publicId);
      return original(mechanism, publicId);
    };
  });
  afterAll(() => t.close());

  it('NUL in apiKey, application_id and an assertion sub: documented 401/403, the store never sees it, budget counts', async () => {
    const apiKey = () =>
      fetch(`${t.url}/business/auth`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ apiKey: 'a\u0000b', apiSecret: 'x' }),
      });
    const first = await apiKey();
    expect(first.status).toBe(401);
    expect(await first.text()).toBe('{"code":0,"error":"invalid credentials"}');
    const app = await fetch(`${t.url}/authorizer/token/application/get`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ application_id: '12\u00004', date: 'd', signature: 'a'.repeat(128) }),
    });
    expect(app.status).toBe(403);
    expect(JSON.parse(await app.text()).error_message).toBe('Incorrect signature');
    const assertion = createClientAssertion({
      clientId: 'emoney\u0000client',
      privateKey: material.privateKey,
      certificate: material.certificate!,
      audience: t.demo['private-key-jwt'].tokenEndpoint,
    });
    const token = await fetch(`${t.url}/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
    expect(token.status).toBe(401);
    expect(await token.json()).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    expect(seen.filter((id) => !isValidPublicId(id))).toEqual([]);
    // The same invalid id is a credential like any other for the budget: the 4th attempt gets 429.
    await apiKey();
    await apiKey();
    expect((await apiKey()).status).toBe(429);
  });
});

describe('4. an unknown or mistyped public id is never stored or logged as given', () => {
  let t: TestServer;
  const lines: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    t = await startTestServer({ logger: pino({ level: 'info' }, stream) });
  });
  afterAll(() => t.close());

  it('swapped key and secret (hmac header, WakaPay body): 0 hits of the secret anywhere', async () => {
    const hmacSecret = t.demo.hmac.secretKey;
    const apiSecret = t.demo['api-key'].apiSecret;
    const events: unknown[] = [];
    const stop = t.server.payauth.onRejection((event) => events.push(event));
    const header = formatHmacHeader({
      accessKey: hmacSecret,
      secretKey: t.demo.hmac.accessKey,
      timestamp: Date.now(),
    });
    const one = await fetch(`${t.url}/api/accounts`, { headers: { Authorization: header } });
    expect(one.status).toBe(401);
    const two = await fetch(`${t.url}/business/auth`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ apiKey: apiSecret, apiSecret: t.demo['api-key'].apiKey }),
    });
    expect(two.status).toBe(401);
    // A known id stays as it is.
    const known = await fetch(`${t.url}/business/auth`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ apiKey: t.demo['api-key'].apiKey, apiSecret: 'wrong' }),
    });
    expect(known.status).toBe(401);
    stop();
    await t.server.payauth.audit.flush();
    const rows = await contextOf(t.server.payauth).store.listAudit({});
    const failures = rows.filter((row) => row.outcome === 'failure');
    expect(failures.map((row) => row.publicId)).toEqual([
      expect.stringMatching(/^fp_[A-Za-z0-9_-]{12}$/),
      expect.stringMatching(/^fp_[A-Za-z0-9_-]{12}$/),
      t.demo['api-key'].apiKey,
    ]);
    const cli = await runPayauth(['audit', '--store', t.storePath, '--json']);
    expect(cli.code).toBe(0);
    const file = readFileSync(t.storePath).toString('latin1') + readWal(t.storePath);
    const haystacks = { log: lines.join(''), events: JSON.stringify(events), cli: cli.stdout, file };
    for (const secret of [hmacSecret, apiSecret]) {
      for (const [name, text] of Object.entries(haystacks))
        expect([name, text.includes(secret)]).toEqual([name, false]);
    }
  });
});

function readWal(path: string): string {
  try {
    return readFileSync(`${path}-wal`).toString('latin1');
  } catch {
    return '';
  }
}

describe('5. a body that never arrives', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ timeouts: { requestMs: 1000, headersMs: 1000, keepAliveMs: 1000 } });
  });
  afterAll(() => t.close());

  it('Content-Length: 100 and 2 bytes: the connection is closed within the request timeout', async () => {
    const { closedAfterMs } = await rawRequest(
      portOf(t.url),
      'POST /business/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"',
      6000,
    );
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs!).toBeLessThan(2500);
  });

  it('payauth serve takes --request-timeout, --headers-timeout, --keep-alive-timeout', async () => {
    const help = await runPayauth(['serve', '--help']);
    for (const flag of [
      '--request-timeout',
      '--headers-timeout',
      '--keep-alive-timeout',
      '--max-connections-per-address',
    ])
      expect(help.stdout).toContain(flag);
  });

  it('a per-address connection cap closes the connections past it', async () => {
    const capped = await startTestServer({ maxConnectionsPerAddress: 2 });
    try {
      const port = portOf(capped.url);
      const open = [
        rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\n', 1500),
        rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\n', 1500),
      ];
      await new Promise((resolve) => setTimeout(resolve, 200));
      const third = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', 1500);
      expect(third.answer).toBe('');
      expect(third.closedAfterMs).toBeDefined();
      await Promise.all(open);
    } finally {
      await capped.close();
    }
  });
});

describe('6. an attacker on another address does not lock the owner out', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      trustProxy: true,
      failureBudget: { perCredential: { limit: 5, windowMs: 60_000 } },
    });
  });
  afterAll(() => t.close());

  const login = (address: string, apiSecret: string) =>
    fetch(`${t.url}/business/auth`, {
      method: 'POST',
      headers: { ...json, 'X-Forwarded-For': address },
      body: JSON.stringify({ apiKey: t.demo['api-key'].apiKey, apiSecret }),
    }).then((response) => response.status);

  it("the owner's logins keep succeeding while another address guesses", async () => {
    expect(await login('10.0.0.1', t.demo['api-key'].apiSecret)).toBe(200);
    const attacker: number[] = [];
    const owner: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (let guess = 0; guess < 3; guess++)
        attacker.push(await login('10.0.0.2', `guess-${round}-${guess}`));
      owner.push(await login('10.0.0.1', t.demo['api-key'].apiSecret));
    }
    expect(attacker.filter((status) => status === 401)).toHaveLength(5);
    expect(attacker.filter((status) => status === 429)).toHaveLength(25);
    expect(owner).toEqual(Array(10).fill(200));
    // A third address is a stranger too: the id-wide budget is spent.
    expect(await login('10.0.0.3', 'another-guess')).toBe(429);
  });
});

describe('6. the hmac guard on in-process state: the budget checked, verified and counted in one step', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      trustProxy: true,
      failureBudget: { perCredential: { limit: 20, windowMs: 60_000 } },
    });
  });
  afterAll(() => t.close());

  const accounts = (address: string, secretKey: string) =>
    fetch(`${t.url}/api/accounts`, {
      headers: {
        'X-Forwarded-For': address,
        Authorization: formatHmacHeader({
          accessKey: t.demo.hmac.accessKey,
          secretKey,
          timestamp: Date.now(),
        }),
      },
    }).then((response) => response.status);

  it('300 concurrent wrong signatures from 30 addresses: at most 20 verified, the owner still served', async () => {
    // The owner first: the credential is cached (the synchronous path) and 10.0.0.250 trusted for the id.
    expect(await accounts('10.0.0.250', t.demo.hmac.secretKey)).toBe(200);
    const statuses = await Promise.all(
      Array.from({ length: 300 }, (_, i) => accounts(`10.0.0.${i % 30}`, `guess-${i}`)),
    );
    const verified = statuses.filter((status) => status === 401).length;
    const limited = statuses.filter((status) => status === 429).length;
    expect(verified + limited).toBe(300);
    expect(verified).toBe(20);
    // The id-wide budget of strangers is spent; the owner's address is exempt from it.
    expect(await accounts('10.0.0.251', t.demo.hmac.secretKey)).toBe(429);
    expect(await accounts('10.0.0.250', t.demo.hmac.secretKey)).toBe(200);
    // The audit trail agrees: one row per verified guess, one per 429.
    await t.server.payauth.audit.flush();
    const rows = await contextOf(t.server.payauth).store.listAudit({});
    expect(rows.filter((row) => row.reason === 'ERR_HMAC_SIGNATURE_MISMATCH')).toHaveLength(20);
    expect(rows.filter((row) => row.reason === 'ERR_RATE_LIMITED')).toHaveLength(281);
  });
});

describe('3. budgets count guesses, not outages', () => {
  it('requests that end in 503 (store unreachable) give their reservation back: the partner is not at 429 afterwards', async () => {
    const t = await startTestServer({ failureBudget: { perCredential: { limit: 3, windowMs: 60_000 } } });
    try {
      const store = contextOf(t.server.payauth).store;
      const original = store.findCredential.bind(store);
      let down = true;
      store.findCredential = (mechanism, publicId) => {
        if (down) return Promise.reject(new StoreUnavailableError('down'));
        return original(mechanism, publicId);
      };
      const created = (await t.server.payauth.credentials.create('api-key')) as {
        apiKey: string;
        apiSecret: string;
      };
      const login = () =>
        fetch(`${t.url}/business/auth`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify(created),
        }).then((response) => response.status);
      const during: number[] = [];
      for (let i = 0; i < 6; i++) during.push(await login());
      expect(during).toEqual(Array(6).fill(503));
      down = false;
      expect(await login()).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('7. two Authorization headers, two Host headers', () => {
  let t: TestServer;
  let expressUrl: string;
  let closeExpress: () => Promise<void>;
  beforeAll(async () => {
    t = await startTestServer();
    const app = express();
    const payauth = t.server.payauth;
    app.use(payauthRouter(payauth));
    app.get('/api/accounts', requireAuth(payauth, 'hmac'), (_request, response) => response.json([]));
    app.get('/business/balance', requireAuth(payauth, 'api-key'), (_request, response) => response.json({}));
    app.get('/public/v1/users', requireAuth(payauth, 'private-key-jwt'), (_request, response) =>
      response.json([]),
    );
    app.get('/app', requireAuth(payauth, 'app-token'), (_request, response) => response.json({}));
    const port = await freePort();
    const server = app.listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    expressUrl = `http://127.0.0.1:${port}`;
    closeExpress = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => {
    await closeExpress();
    await t.close();
  });

  async function tokens() {
    const apiKey = await fetch(`${t.url}/business/auth`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ apiKey: t.demo['api-key'].apiKey, apiSecret: t.demo['api-key'].apiSecret }),
    }).then((r) => r.json() as Promise<{ accessToken: string }>);
    const date = String(Date.now());
    const app = await fetch(`${t.url}/authorizer/token/application/get`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        application_id: '1234',
        date,
        signature: signAppToken({ secretKey: t.demo['app-token'].secretKey, applicationId: '1234', date }),
      }),
    }).then((r) => r.json() as Promise<{ token: string }>);
    const material = loadPkcs12(
      readFileSync(t.demo['private-key-jwt'].pfxPath),
      t.demo['private-key-jwt'].pfxPassword,
    );
    const emoney = await fetch(`${t.url}/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: createClientAssertion({
          clientId: t.demo['private-key-jwt'].clientId,
          privateKey: material.privateKey,
          certificate: material.certificate!,
          audience: t.demo['private-key-jwt'].tokenEndpoint,
        }),
        scope: 'API',
      }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    return { apiKey: apiKey.accessToken, app: app.token, emoney: emoney.access_token };
  }

  const request = (path: string, headers: Array<[string, string]>) =>
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`;

  it('[valid, garbage] and [garbage, valid] are refused with the documented body, on serve and Express', async () => {
    const issued = await tokens();
    const hmac = () =>
      formatHmacHeader({
        accessKey: t.demo.hmac.accessKey,
        secretKey: t.demo.hmac.secretKey,
        timestamp: Date.now(),
      });
    const emoneyApikey: [string, string] = ['apikey', t.demo['private-key-jwt'].apiKey];
    const cases: Array<{
      path: string;
      valid: () => string;
      extra?: Array<[string, string]>;
      body: string;
      status: number;
      expressPath?: string;
    }> = [
      { path: '/api/accounts', valid: hmac, body: HMAC_REJECTION_BODY, status: 401 },
      {
        path: '/business/balance?currency=USD',
        valid: () => `Bearer ${issued.apiKey}`,
        body: '{"code":0,"error":"invalid token"}',
        status: 401,
      },
      {
        path: '/public/v1/users',
        valid: () => `Bearer ${issued.emoney}`,
        extra: [emoneyApikey],
        body: '{"error":"invalid_token","error_description":"invalid token"}',
        status: 401,
      },
      {
        path: '/api/accounts',
        valid: () => `Bearer ${issued.app}`,
        body: HMAC_REJECTION_BODY,
        status: 401,
        expressPath: '/app',
      },
    ];
    for (const [base, isExpress] of [
      [t.url, false],
      [expressUrl, true],
    ] as const) {
      for (const each of cases) {
        const path = isExpress && each.expressPath ? each.expressPath : each.path;
        const single = parseAnswer(
          (
            await rawRequest(
              portOf(base),
              request(path, [['Authorization', each.valid()], ...(each.extra ?? [])]),
            )
          ).answer,
        );
        expect([base, path, single.status]).toEqual([base, path, 200]);
        for (const order of [
          [each.valid(), 'garbage'],
          ['garbage', each.valid()],
        ]) {
          const headers: Array<[string, string]> = order.map((value) => ['Authorization', value]);
          const answer = parseAnswer(
            (await rawRequest(portOf(base), request(path, [...headers, ...(each.extra ?? [])]))).answer,
          );
          const expected =
            isExpress && each.expressPath
              ? { status: 403, body: expect.stringContaining('"error_code":403') }
              : { status: each.status, body: each.body };
          expect({ base, path, ...answer }).toEqual({ base, path, ...expected });
        }
      }
    }
  });

  it('two Host headers: 400 in the route shape, on serve and Express', async () => {
    for (const base of [t.url, expressUrl]) {
      const answer = parseAnswer(
        (
          await rawRequest(
            portOf(base),
            `POST /business/auth HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
          )
        ).answer,
      );
      expect({ base, ...answer }).toEqual({
        base,
        status: 400,
        body: '{"code":0,"error":"ambiguous request"}',
      });
    }
    const guarded = parseAnswer(
      (
        await rawRequest(
          portOf(t.url),
          `GET /api/accounts HTTP/1.1\r\nHost: a\r\nHost: b\r\nAuthorization: ${formatHmacHeader({ accessKey: t.demo.hmac.accessKey, secretKey: t.demo.hmac.secretKey, timestamp: Date.now() })}\r\nConnection: close\r\n\r\n`,
        )
      ).answer,
    );
    expect(guarded).toEqual({ status: 400, body: '{"code":"400","message":"ambiguous request"}' });
  });
});

describe('8. the in-memory replay store is bounded', () => {
  it('past the cap, a request that needs a replay record gets the documented 503 with Retry-After', async () => {
    const t = await startTestServer({
      redis: new MemorySharedState({ maxReplayRecords: 2 }),
      config: { hmac: { maxAgeMs: 300_000, maxFutureMs: 300_000, singleUse: true } },
    });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      // One base instant, three distinct timestamps: `Date.now() - i` could repeat across iterations (a real replay).
      const base = Date.now();
      for (let i = 0; i < 3; i++) {
        last = await fetch(`${t.url}/api/accounts`, {
          headers: {
            Authorization: formatHmacHeader({
              accessKey: t.demo.hmac.accessKey,
              secretKey: t.demo.hmac.secretKey,
              timestamp: base - i * 1000,
            }),
          },
        });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 503]);
      expect(last!.headers.get('retry-after')).toBe('1');
      expect(await last!.text()).toBe(
        '{"code":"503","message":"service temporarily unavailable, retry later"}',
      );
    } finally {
      await t.close();
    }
  });

  it('replay records are held compactly: 100,000 of them stay under 40 MiB', async () => {
    const state = new MemorySharedState();
    const prefix = randomBytes(8).toString('hex');
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++)
      await state.consumeOnce(`assertion:emoney-demo-client:${prefix}-${i}-0123456789abcdefghij`, 300_000);
    const grown = process.memoryUsage().heapUsed - before;
    expect(state.replayRecords).toBe(100_000);
    expect(grown).toBeLessThan(40 * 1024 * 1024);
    await state.close();
  });
});

describe('9. crit, Fondy Content-Type, budgets while the shared state is down', () => {
  let t: TestServer;
  let material: KeyMaterial;
  beforeAll(async () => {
    t = await startTestServer();
    material = loadPkcs12(
      readFileSync(t.demo['private-key-jwt'].pfxPath),
      t.demo['private-key-jwt'].pfxPassword,
    );
  });
  afterAll(() => t.close());

  it('an assertion with a crit header is refused', async () => {
    const clientId = t.demo['private-key-jwt'].clientId;
    const valid = createClientAssertion({
      clientId,
      privateKey: material.privateKey,
      certificate: material.certificate!,
      audience: t.demo['private-key-jwt'].tokenEndpoint,
    });
    const header = JSON.parse(Buffer.from(valid.split('.')[0]!, 'base64url').toString('utf8'));
    const input = `${encodeBase64url(JSON.stringify({ ...header, crit: ['exp'] }))}.${valid.split('.')[1]}`;
    const signature = sign(
      'sha256',
      Buffer.from(input),
      createPrivateKey(material.privateKey.export({ format: 'pem', type: 'pkcs8' })),
    );
    const response = await fetch(`${t.url}/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: `${input}.${encodeBase64url(signature)}`,
      }),
    });
    expect(response.status).toBe(401);
  });

  it('Fondy: a body that is not declared application/json gets 403 naming the Content-Type', async () => {
    const date = String(Date.now());
    const body = JSON.stringify({
      application_id: '1234',
      date,
      signature: signAppToken({ secretKey: t.demo['app-token'].secretKey, applicationId: '1234', date }),
    });
    const ok = await fetch(`${t.url}/authorizer/token/application/get`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body,
    });
    expect(ok.status).toBe(200);
    const form = await fetch(`${t.url}/authorizer/token/application/get`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(form.status).toBe(403);
    expect(((await form.json()) as { error_message: string }).error_message).toBe(
      'Invalid request parameters: Content-Type must be application/json',
    );
  });

  it('with the shared state down and budgets open, a wrong secret gets its 401 (not 503), as docs/server.md says', async () => {
    const down = (): never => {
      throw new StoreUnavailableError('down');
    };
    const memory = new MemorySharedState();
    const state: SharedState = {
      consumeOnce: (key, ttl) => memory.consumeOnce(key, ttl),
      increment: async () => down(),
      peek: async () => down(),
      publishChange: (id) => memory.publishChange(id),
      onChange: (listener) => memory.onChange(listener),
      close: () => memory.close(),
    };
    const flaky = await startTestServer({ redis: state });
    try {
      const response = await fetch(`${flaky.url}/business/auth`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ apiKey: flaky.demo['api-key'].apiKey, apiSecret: 'wrong' }),
      });
      expect(response.status).toBe(401);
      expect(flaky.server.payauth.budget.skipped).toBeGreaterThan(0);
    } finally {
      await flaky.close();
    }
  });
});
