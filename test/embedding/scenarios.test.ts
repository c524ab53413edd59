import { DEMO } from '@payauth/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, hmacHeader, json } from './requests.ts';
import { BUILDERS, send, startTarget, type Target, type WireRequest } from './targets.ts';

/**
 * The rehearsal scenarios through every adapter (SPEC.md, "Rehearsal"): on (the demo), each adapter answers a
 * scenario's bytes, on its token endpoints and on the user routes behind `requireAuth`; off (`scenarios: false`), the
 * header is ignored and `/admin/api/scenarios` is no route.
 */
const NAMES = Object.keys(BUILDERS);
const ADMIN_TOKEN = 'embedding-scenarios-admin-0123456789';
const on: Record<string, Target> = {};
const off: Record<string, Target> = {};

beforeAll(async () => {
  const started = await Promise.all(
    NAMES.flatMap((name) => [
      startTarget(name, { admin: { token: ADMIN_TOKEN } }).then((target) => {
        on[name] = target;
      }),
      startTarget(name, { admin: { token: ADMIN_TOKEN }, scenarios: false }).then((target) => {
        off[name] = target;
      }),
    ]),
  );
  expect(started).toHaveLength(NAMES.length * 2);
}, 60_000);
afterAll(async () => {
  await Promise.all([...Object.values(on), ...Object.values(off)].map((target) => target.close()));
});

const withScenario = (request: WireRequest, scenario: string): WireRequest => ({
  ...request,
  headers: [...(request.headers ?? []), ['Payauth-Scenario', scenario]],
});
const tokenRequest = json('/business/auth', DEMO.apiKey);

async function apiKeyToken(target: Target): Promise<string> {
  const answer = await send(target.url, tokenRequest);
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.body) as { accessToken: string }).accessToken;
}

describe.each(NAMES)('%s', (name) => {
  it('plays a scenario at a token endpoint, byte for byte', async () => {
    const answer = await send(on[name]!.url, withScenario(tokenRequest, 'rate-limited; retry-after=2'));
    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after']).toBe('2');
    expect(answer.headers['payauth-scenario-applied']).toBe('rate-limited');
    expect(answer.body).toBe('{"code":0,"error":"too many failed attempts, retry later"}');
  });

  it("plays scenarios on the user's own routes behind requireAuth", async () => {
    const target = on[name]!;
    const token = await apiKeyToken(target);
    const expired = await send(
      target.url,
      withScenario(
        get(`${target.userPrefix}/api-key`, [['Authorization', `Bearer ${token}`]]),
        'token-expired',
      ),
    );
    expect([expired.status, expired.headers['payauth-scenario-applied'], expired.body]).toEqual([
      401,
      'token-expired',
      '{"code":0,"error":"invalid token"}',
    ]);
    const unavailable = await send(
      target.url,
      withScenario(
        get(`${target.userPrefix}/hmac`, [['Authorization', hmacHeader()]]),
        'unavailable; retry-after=4',
      ),
    );
    expect([unavailable.status, unavailable.headers['retry-after'], unavailable.body]).toEqual([
      503,
      '4',
      '{"code":"503","message":"service temporarily unavailable, retry later"}',
    ]);
    const passing = await send(
      target.url,
      withScenario(get(`${target.userPrefix}/api-key`, [['Authorization', `Bearer ${token}`]]), 'slow; ms=1'),
    );
    expect(passing.status).toBe(200);
  });

  it('arms through its admin routes', async () => {
    const target = on[name]!;
    const admin = (method: string, path: string, body?: unknown) =>
      send(target.url, {
        method,
        path,
        headers: [
          ['Authorization', `Bearer ${ADMIN_TOKEN}`],
          ['Content-Type', 'application/json'],
        ],
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const armed = await admin('POST', '/admin/api/scenarios', { scenario: 'server-error' });
    expect(armed.status).toBe(201);
    const refused = await send(target.url, tokenRequest);
    expect([refused.status, refused.body]).toEqual([500, '{"code":0,"error":"internal server error"}']);
    expect(JSON.parse((await admin('GET', '/admin/api/scenarios')).body).scenarios).toEqual([]);
  });

  it('outside sandbox mode: ignores the header, and the scenario routes are 404', async () => {
    const target = off[name]!;
    expect(target.payauth.scenarios).toBeUndefined();
    for (const scenario of ['server-error', 'rate-limited', 'teapot']) {
      const answer = await send(target.url, withScenario(tokenRequest, scenario));
      expect(answer.status, scenario).toBe(200);
      expect(answer.headers['payauth-scenario-applied']).toBeUndefined();
    }
    const token = await apiKeyToken(target);
    const guarded = await send(
      target.url,
      withScenario(
        get(`${target.userPrefix}/api-key`, [['Authorization', `Bearer ${token}`]]),
        'token-expired',
      ),
    );
    expect(guarded.status).toBe(200);
    for (const [method, path] of [
      ['GET', '/admin/api/scenarios'],
      ['POST', '/admin/api/scenarios'],
      ['DELETE', '/admin/api/scenarios/scn_x'],
    ] as const) {
      // A Content-Type only with a body: Fastify answers an empty JSON body 400 before it finds no route.
      const answer = await send(target.url, {
        method,
        path,
        headers: [
          ['Authorization', `Bearer ${ADMIN_TOKEN}`],
          ...(method === 'POST' ? [['Content-Type', 'application/json'] as const] : []),
        ],
        ...(method === 'POST' ? { body: '{"scenario":"server-error"}' } : {}),
      });
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
  });
});
