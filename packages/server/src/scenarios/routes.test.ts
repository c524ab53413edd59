import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payauthHandler } from '../adapters/fetch.ts';
import { DEMO } from '../demo/seed.ts';
import { createPayauth, type Payauth } from '../payauth.ts';
import { scenarioNames } from './catalog.ts';
import { ARMED_LIMIT } from './engine.ts';

const ISSUER = 'http://127.0.0.1:9';
const ADMIN_TOKEN = 'scenario-admin-token-0123456789';
let payauth: Payauth;
let handle: (request: Request) => Promise<Response | undefined>;

beforeAll(async () => {
  payauth = await createPayauth({
    store: ':memory:',
    issuer: ISSUER,
    demo: true,
    demoDirectory: mkdtempSync(join(tmpdir(), 'payauth-scenario-routes-')),
    admin: { token: ADMIN_TOKEN },
  });
  handle = payauthHandler(payauth, { address: () => '127.0.0.1' });
});
afterAll(async () => {
  await payauth?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: admin answers of several shapes, read field by field
type Json = any;

async function admin(method: string, path: string, body?: unknown, token = ADMIN_TOKEN) {
  const response = (await handle(
    new Request(`${ISSUER}/admin/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    }),
  ))!;
  return { status: response.status, json: (await response.json()) as Json };
}

async function apiKeyToken(apiKey: string, apiSecret: string) {
  const response = (await handle(
    new Request(`${ISSUER}/business/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey, apiSecret }),
    }),
  ))!;
  return { status: response.status, applied: response.headers.get('payauth-scenario-applied') };
}

describe('the admin API arms, lists and disarms scenarios', () => {
  it('needs the admin token', async () => {
    expect((await admin('GET', '/scenarios', undefined, 'x'.repeat(20))).status).toBe(401);
    expect((await admin('POST', '/scenarios', { scenario: 'slow' }, 'x'.repeat(20))).status).toBe(401);
  });

  it('applies an armed scenario to the next `times` matching requests, then disarms it', async () => {
    const armed = await admin('POST', '/scenarios', {
      scenario: 'rate-limited',
      times: 2,
      params: { 'retry-after': 3 },
    });
    expect(armed.status).toBe(201);
    expect(armed.json).toEqual({
      id: expect.stringMatching(/^scn_[A-Za-z0-9]{16}$/),
      scenario: 'rate-limited',
      params: { 'retry-after': 3 },
      times: 2,
      remaining: 2,
      createdAt: expect.any(String),
    });
    const listed = (await admin('GET', '/scenarios')).json;
    expect(listed.scenarios).toEqual([armed.json]);
    expect(listed.available.map((entry: { name: string }) => entry.name)).toEqual([...scenarioNames]);
    expect(listed.available.find((entry: { name: string }) => entry.name === 'slow')).toEqual({
      name: 'slow',
      points: ['token', 'hmac-guard', 'bearer-guard'],
      parameters: { ms: { minimum: 0, maximum: 30_000, default: 1000, unit: 'milliseconds' } },
    });
    expect(await apiKeyToken(DEMO.apiKey.apiKey, DEMO.apiKey.apiSecret)).toEqual({
      status: 429,
      applied: 'rate-limited',
    });
    expect((await admin('GET', '/scenarios')).json.scenarios[0].remaining).toBe(1);
    expect(await apiKeyToken(DEMO.apiKey.apiKey, DEMO.apiKey.apiSecret)).toEqual({
      status: 429,
      applied: 'rate-limited',
    });
    expect((await admin('GET', '/scenarios')).json.scenarios).toEqual([]);
    expect(await apiKeyToken(DEMO.apiKey.apiKey, DEMO.apiKey.apiSecret)).toEqual({
      status: 200,
      applied: null,
    });
  });

  it('narrows to one credential, by public id or id; other credentials pass', async () => {
    const other = await payauth.credentials.create('api-key');
    for (const credential of [DEMO.apiKey.apiKey, other.id]) {
      const armed = await admin('POST', '/scenarios', { scenario: 'server-error', credential });
      expect(armed.status).toBe(201);
      const target = credential === other.id ? other : { ...DEMO.apiKey, id: armed.json.credentialId };
      const bystander = credential === other.id ? DEMO.apiKey : other;
      expect(armed.json.credentialId).toBe(target.id);
      expect(await apiKeyToken(bystander.apiKey!, bystander.apiSecret!)).toEqual({
        status: 200,
        applied: null,
      });
      expect(await apiKeyToken(target.apiKey!, target.apiSecret!)).toEqual({
        status: 500,
        applied: 'server-error',
      });
      expect(await apiKeyToken(target.apiKey!, target.apiSecret!)).toEqual({ status: 200, applied: null });
    }
    expect((await admin('POST', '/scenarios', { scenario: 'slow', credential: 'nobody' })).json).toEqual({
      error: 'not_found',
      message: 'no such credential',
    });
  });

  it('keeps a scenario that acts on success armed while requests fail anyway', async () => {
    const armed = await admin('POST', '/scenarios', { scenario: 'credential-revoked' });
    expect(await apiKeyToken(DEMO.apiKey.apiKey, 'wrong secret')).toEqual({ status: 401, applied: null });
    expect((await admin('GET', '/scenarios')).json.scenarios).toEqual([armed.json]);
    expect(await apiKeyToken(DEMO.apiKey.apiKey, DEMO.apiKey.apiSecret)).toEqual({
      status: 401,
      applied: 'credential-revoked',
    });
    expect((await admin('GET', '/scenarios')).json.scenarios).toEqual([]);
  });

  it('disarms one by id (404 for an unknown id), and audits arming, disarming and every application', async () => {
    const armed = await admin('POST', '/scenarios', { scenario: 'unavailable' });
    const removed = await admin('DELETE', `/scenarios/${armed.json.id}`);
    expect(removed).toEqual({ status: 200, json: armed.json });
    expect(await admin('DELETE', `/scenarios/${armed.json.id}`)).toEqual({
      status: 404,
      json: { error: 'not_found', message: 'no armed scenario has this id' },
    });
    expect(await apiKeyToken(DEMO.apiKey.apiKey, DEMO.apiKey.apiSecret)).toEqual({
      status: 200,
      applied: null,
    });
    const audit = await admin('GET', '/audit?limit=1000');
    const reasons = (audit.json.events as Array<{ reason: string }>).map((event) => event.reason);
    expect(reasons).toContain('ADMIN_SCENARIO_ARMED');
    expect(reasons).toContain('ADMIN_SCENARIO_DISARMED');
    expect(reasons.filter((reason) => reason === 'SCENARIO_RATE_LIMITED')).toHaveLength(2);
    expect(reasons).toContain('SCENARIO_SERVER_ERROR');
    expect(reasons).toContain('SCENARIO_CREDENTIAL_REVOKED');
  });

  it.each([
    ['not JSON', '{', 'the body is not valid JSON'],
    [
      'an unknown scenario',
      { scenario: 'teapot' },
      expect.stringContaining('scenario must be one of token-expired'),
    ],
    ['no scenario', {}, expect.stringContaining('scenario must be one of')],
    ['times 0', { scenario: 'slow', times: 0 }, 'times must be a whole number from 1 to 1000'],
    ['times 1.5', { scenario: 'slow', times: 1.5 }, 'times must be a whole number from 1 to 1000'],
    ['times as text', { scenario: 'slow', times: '2' }, 'times must be a whole number from 1 to 1000'],
    ['params not an object', { scenario: 'slow', params: [1] }, 'params must be an object'],
    ['an unknown parameter', { scenario: 'slow', params: { seconds: 1 } }, 'slow takes only "ms"'],
    [
      'a bound exceeded',
      { scenario: 'clock-skew', params: { seconds: 1e9 } },
      expect.stringContaining('from -86400 to 86400'),
    ],
    [
      'an unknown field',
      { scenario: 'slow', when: 'now' },
      'the body takes scenario, credential, times and params only',
    ],
    [
      'a credential that is not a string',
      { scenario: 'slow', credential: 7 },
      'credential must be a credential id or public id',
    ],
  ])('refuses %s with 400 invalid_request', async (_case, body, message) => {
    const answer = await admin('POST', '/scenarios', body);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: 'invalid_request', message });
  });

  it(`holds at most ${ARMED_LIMIT} armed scenarios`, async () => {
    for (let index = 0; index < ARMED_LIMIT; index++) {
      expect(
        (await admin('POST', '/scenarios', { scenario: 'key-rotated', credential: DEMO.apiKey.apiKey }))
          .status,
      ).toBe(201);
    }
    const refused = await admin('POST', '/scenarios', { scenario: 'slow' });
    expect(refused).toEqual({
      status: 400,
      json: {
        error: 'invalid_request',
        message: `at most ${ARMED_LIMIT} armed scenarios: disarm some first`,
      },
    });
    for (const { id } of (await admin('GET', '/scenarios')).json.scenarios)
      await admin('DELETE', `/scenarios/${id}`);
    expect((await admin('GET', '/scenarios')).json.scenarios).toEqual([]);
  });
});
