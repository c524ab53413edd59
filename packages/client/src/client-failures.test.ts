import { describe, expect, it } from 'vitest';
import { apiKey } from './auth/api-key.ts';
import { appToken } from './auth/app-token.ts';
import { createClient } from './client.ts';
import { MalformedResponseError, PayauthResponseError, PayauthTimeoutError } from './errors.ts';

// The behaviours docs/rehearsal.md promises, one scenario each, against a scripted fetch. The same behaviours run
// against the real sandbox in test/client/rehearsal.test.ts.

interface Call {
  readonly url: string;
  readonly method: string;
  readonly body: string | undefined;
}

type Answer = Response | 'hang';

/** A fetch that answers from a script; 'hang' never answers (until the request's signal aborts it). */
function scripted(answers: Answer[]) {
  const calls: Call[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      body: init?.body === undefined || init.body === null ? undefined : String(init.body),
    });
    const next = answers.shift();
    if (next === undefined) throw new Error('no more answers');
    if (next !== 'hang') return next;
    return new Promise<Response>((_resolve, reject) => {
      const signal = init?.signal;
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const token = () => json(200, { accessToken: 'a.b.c', expiresIn: 3600 });
const wakapay = (fetch: typeof globalThis.fetch, extra: object = {}) =>
  createClient({
    baseUrl: 'http://api.test',
    auth: apiKey({ apiKey: 'key', apiSecret: 'secret' }),
    fetch,
    retry: { minDelayMs: 1 },
    ...extra,
  });
const paths = (calls: Call[]) => calls.map((call) => `${call.method} ${new URL(call.url).pathname}`);

describe('token-expired: refetch the token once, then retry once', () => {
  it('a 401 on a token that would pass costs one new token and one retry, never a loop', async () => {
    const { fetch, calls } = scripted([
      token(),
      json(401, { code: 0, error: 'invalid token' }),
      token(),
      json(401, { code: 0, error: 'invalid token' }),
    ]);
    const response = await wakapay(fetch).get('/business/balance');
    expect(response.status).toBe(401);
    expect(paths(calls)).toEqual([
      'POST /business/auth',
      'GET /business/balance',
      'POST /business/auth',
      'GET /business/balance',
    ]);
  });
});

describe('credential-revoked: give up with a typed error, no retry of invalid_client', () => {
  it('a refused token request is sent once', async () => {
    const { fetch, calls } = scripted([json(401, { code: 0, error: 'invalid credentials' })]);
    const error = await wakapay(fetch)
      .get('/business/balance')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayauthResponseError);
    expect(error).toMatchObject({ status: 401, providerMessage: 'invalid credentials' });
    expect(calls).toHaveLength(1);
  });

  it('a resource 401 followed by invalid_client: one new token request, then the typed error', async () => {
    const { fetch, calls } = scripted([
      token(),
      json(401, { code: 0, error: 'invalid token' }),
      json(401, { error: 'invalid_client', error_description: 'credential revoked' }),
    ]);
    const error = await wakapay(fetch)
      .get('/business/balance')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, providerCode: 'invalid_client' });
    expect(paths(calls)).toEqual(['POST /business/auth', 'GET /business/balance', 'POST /business/auth']);
  });
});

describe('rate-limited and unavailable: wait Retry-After (bounded), then send again', () => {
  it('a token request is sent again freshly signed after a 429, and a GET after a 503', async () => {
    const { fetch, calls } = scripted([
      json(429, { error_code: 429 }, { 'retry-after': '0' }),
      json(200, { token: 't1', expires_in: 3600 }),
      json(503, {}, { 'retry-after': '0' }),
      json(200, { ok: true }),
    ]);
    let salt = 0;
    const client = createClient({
      baseUrl: 'http://api.test',
      auth: appToken({ applicationId: '1234', secretKey: 'secret', date: () => `salt-${++salt}` }),
      fetch,
    });
    expect((await client.get('/api/accounts')).status).toBe(200);
    expect(paths(calls)).toEqual([
      'POST /authorizer/token/application/get',
      'POST /authorizer/token/application/get',
      'GET /api/accounts',
      'GET /api/accounts',
    ]);
    expect(calls[0]!.body).not.toBe(calls[1]!.body);
  });

  it('a Retry-After past the bound is not waited for: the typed error carries it', async () => {
    const { fetch, calls } = scripted([json(503, {}, { 'retry-after': '3600' })]);
    const error = (await wakapay(fetch)
      .get('/business/balance')
      .catch((e: unknown) => e)) as PayauthResponseError;
    expect(error).toBeInstanceOf(PayauthResponseError);
    expect(error).toMatchObject({ status: 503, retryAfterMs: 3_600_000 });
    expect(calls).toHaveLength(1);
  });

  it('a POST is never sent again', async () => {
    const { fetch, calls } = scripted([token(), json(429, {}, { 'retry-after': '0' })]);
    expect((await wakapay(fetch).post('/business/pay', { amount: 1 })).status).toBe(429);
    expect(calls).toHaveLength(2);
  });
});

describe('server-error: bounded back-off for what is safe to repeat', () => {
  it('a token request and a GET each get their retries, then the answer is returned', async () => {
    const { fetch, calls } = scripted([
      json(500, { code: 0, error: 'internal error' }),
      token(),
      json(500, { code: 0, error: 'internal error' }),
      json(500, { code: 0, error: 'internal error' }),
      json(500, { code: 0, error: 'internal error' }),
    ]);
    expect((await wakapay(fetch).get('/business/balance')).status).toBe(500);
    expect(paths(calls)).toEqual([
      'POST /business/auth',
      'POST /business/auth',
      'GET /business/balance',
      'GET /business/balance',
      'GET /business/balance',
    ]);
  });
});

describe('malformed-token: a typed error, never a crash, never a loop', () => {
  it.each([
    ['not the documented shape', new Response('{"hello":"world"}', { status: 200 })],
    ['not JSON', new Response('<html>oops</html>', { status: 200 })],
  ])('%s', async (_name, answer) => {
    const { fetch, calls } = scripted([answer]);
    const error = await wakapay(fetch)
      .get('/business/balance')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ code: 'ERR_MALFORMED_RESPONSE', status: 200, mechanism: 'api-key' });
    expect(calls).toHaveLength(1);
  });

  it('an empty token or a lifetime that is not positive', async () => {
    const { fetch, calls } = scripted([json(200, { token: '', expires_in: 3600 })]);
    const client = createClient({
      baseUrl: 'http://api.test',
      auth: appToken({ applicationId: '1234', secretKey: 'secret' }),
      fetch,
    });
    const error = await client.get('/api/accounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ mechanism: 'app-token' });
    expect(calls).toHaveLength(1);
  });
});

describe('slow: a per-request timeout and the caller’s AbortSignal', () => {
  it('checks timeoutMs at construction', () => {
    expect(() => wakapay(fetch, { timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  it('a GET that gets no answer is aborted and retried; then a typed timeout', async () => {
    const { fetch, calls } = scripted(['hang', 'hang', 'hang']);
    const client = createClient({
      baseUrl: 'http://api.test',
      auth: appToken({ applicationId: '1234', secretKey: 'secret' }),
      fetch: async (input, init) =>
        String(input).endsWith('/get') ? json(200, { token: 't', expires_in: 3600 }) : fetch(input, init),
      retry: { minDelayMs: 1 },
      timeoutMs: 20,
    });
    const error = await client.get('/api/accounts').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayauthTimeoutError);
    expect(error).toMatchObject({ code: 'ERR_TIMEOUT', timeoutMs: 20 });
    expect(String((error as Error).message)).toBe('GET /api/accounts got no answer within 20 ms');
    expect(calls).toHaveLength(3);
  });

  it('a token request that times out is sent again', async () => {
    const { fetch, calls } = scripted(['hang', token(), json(200, { ok: true })]);
    const response = await wakapay(fetch, { timeoutMs: 20 }).get('/business/balance');
    expect(response.status).toBe(200);
    expect(paths(calls)).toEqual(['POST /business/auth', 'POST /business/auth', 'GET /business/balance']);
  });

  it('a POST that times out is not sent again (its outcome is unknown)', async () => {
    const { fetch, calls } = scripted([token(), 'hang']);
    const error = await wakapay(fetch)
      .post('/business/pay', { amount: 1 }, { timeoutMs: 20 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayauthTimeoutError);
    expect(calls).toHaveLength(2);
  });

  it("the caller's signal ends the request with its reason, and nothing is retried", async () => {
    const { fetch, calls } = scripted([token(), 'hang']);
    const controller = new AbortController();
    const pending = wakapay(fetch)
      .get('/business/balance', { signal: controller.signal })
      .catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error('caller gave up'));
    expect(String(await pending)).toContain('caller gave up');
    expect(calls).toHaveLength(2);
  });
});
