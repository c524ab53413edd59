import { describe, expect, it } from 'vitest';
import { errorOf } from '../../../test/support/code-of.ts';
import { apiKey } from './auth/api-key.ts';
import { hmac } from './auth/hmac.ts';
import { createClient } from './client.ts';
import { ServerClock } from './clock.ts';
import { TokenManager } from './token/manager.ts';

/** A fetch that answers from a script of responses and records what it was asked. */
function scripted(answers: Array<() => Response>) {
  const calls: Array<{ url: string; method: string; authorization: string | null }> = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      authorization: new Headers(init?.headers).get('authorization'),
    });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  };
  return { fetch, calls };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });

describe('createClient', () => {
  it('checks its options at construction, naming the option', () => {
    expect(() =>
      createClient({ baseUrl: 'not a url', auth: hmac({ accessKey: 'k', secretKey: 's' }) }),
    ).toThrow(/baseUrl/);
    expect(() => hmac({ accessKey: 'a:b', secretKey: 's' })).toThrow(/accessKey/);
    expect(() => hmac({ accessKey: 'k', secretKey: '' })).toThrow(/secretKey/);
    expect(() => apiKey({ apiKey: 'k', apiSecret: 's', renewMarginMs: -5 })).toThrow(/renewMarginMs/);
    const error = errorOf(() => hmac({ accessKey: '', secretKey: 's' }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as { code: string }).code).toBe('ERR_INVALID_OPTION');
  });

  it('retries an idempotent request on 503 honouring Retry-After, and never a POST', async () => {
    const { fetch, calls } = scripted([
      json(503, {}, { 'retry-after': '0' }),
      json(200, { ok: true }),
      json(503, {}),
    ]);
    const client = createClient({
      baseUrl: 'http://api.test',
      auth: hmac({ accessKey: 'k', secretKey: 's' }),
      fetch,
    });
    expect((await client.get('/thing')).status).toBe(200);
    expect(calls).toHaveLength(2);
    expect((await client.post('/thing', { a: 1 })).status).toBe(503);
    expect(calls).toHaveLength(3);
  });

  it('gives up after the bounded retries, and does not wait for a Retry-After longer than the limit', async () => {
    const { fetch, calls } = scripted([
      json(429, {}, { 'retry-after': '0' }),
      json(429, {}, { 'retry-after': '0' }),
      json(429, {}, { 'retry-after': '0' }),
    ]);
    const client = createClient({
      baseUrl: 'http://api.test',
      auth: hmac({ accessKey: 'k', secretKey: 's' }),
      fetch,
    });
    expect((await client.get('/x')).status).toBe(429);
    expect(calls).toHaveLength(3);
    const slow = scripted([json(503, {}, { 'retry-after': '3600' })]);
    const patient = createClient({
      baseUrl: 'http://api.test',
      auth: hmac({ accessKey: 'k', secretKey: 's' }),
      fetch: slow.fetch,
    });
    expect((await patient.get('/x')).status).toBe(503);
    expect(slow.calls).toHaveLength(1);
  });

  it('hmac: two requests in the same millisecond carry different headers', async () => {
    const bound = hmac({ accessKey: 'k', secretKey: 's' }).bind({
      fetch,
      clock: new ServerClock({ local: () => 1_700_000_000_000 }),
      baseUrl: 'http://x',
    });
    const [a, b] = await Promise.all([bound.authorize(), bound.authorize()]);
    expect(a.headers.authorization).not.toBe(b.headers.authorization);
  });
});

describe('background refresh', () => {
  it('renews before expiry without a caller waiting', async () => {
    let n = 0;
    const manager = new TokenManager({
      key: 'k',
      clock: new ServerClock(),
      renewMarginMs: 1000,
      backgroundRefresh: true,
      fetchToken: async () => ({ token: `t${++n}`, expiresIn: 3 }),
    });
    expect(await manager.getToken()).toBe('t1');
    await new Promise((resolve) => setTimeout(resolve, 1400));
    expect(manager.requests).toBe(2);
    expect(manager.peek()).toBe('t2');
    manager.close();
  });
});

describe('redaction by value', () => {
  it('a provider answer that echoes the secret or the token never carries them into the error', async () => {
    const secret = 'echoed-secret-value-42';
    const token = 'eyJhbGciOiJFZERTQSJ9.echoed-token.sig';
    const { fetch } = scripted([
      json(200, { accessToken: token, expiresIn: 3600 }),
      json(400, { code: 0, error: `bad request with ${token} and ${secret}` }),
    ]);
    const client = createClient({
      baseUrl: 'http://api.test',
      auth: apiKey({ apiKey: 'k', apiSecret: secret }),
      fetch,
    });
    const error = (await client.json('/x').catch((e: unknown) => e)) as Error & {
      body: string;
      providerMessage: string;
    };
    const text = `${error.message} ${error.providerMessage} ${error.body}`;
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(token);
  });

  it('also on a refused token request', async () => {
    const secret = 'echoed-secret-value-43';
    const { fetch } = scripted([json(401, { code: 0, error: `invalid credentials for ${secret}` })]);
    const client = createClient({
      baseUrl: 'http://api.test',
      auth: apiKey({ apiKey: 'k', apiSecret: secret }),
      fetch,
    });
    const error = (await client.json('/x').catch((e: unknown) => e)) as Error & { body: string };
    expect(`${error.message} ${error.body}`).not.toContain(secret);
  });
});
