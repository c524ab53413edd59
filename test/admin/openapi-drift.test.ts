import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClientAssertion, formatHmacHeader, signAppToken } from '@payauth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenApiDocument } from '../../packages/server/src/openapi/document.ts';
import { checkResponseAgainstOpenApi, type DriftFinding } from '../support/openapi.ts';
import { startTestServer, type TestServer } from '../support/servers.ts';

const token = 'admin-token-for-the-drift-sweep-01';
const json = { 'content-type': 'application/json' };
const form = { 'content-type': 'application/x-www-form-urlencoded' };
let server: TestServer;
let limited: TestServer;
const findings: DriftFinding[] = [];
/** Every (method, template, status) answered in this file. */
const covered = new Set<string>();

const template = (path: string): string =>
  path
    .split('?')[0]!
    .replace(/^\/admin\/api\/credentials\/[^/]+\/(rotate|revoke)$/, '/admin/api/credentials/{id}/$1');

async function exchange(
  target: TestServer,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  // An open event stream never ends: its headers are checked, its body is not read.
  const streaming = response.headers.get('content-type')?.startsWith('text/event-stream') === true;
  const text = streaming ? '' : await response.text();
  if (streaming) await response.body?.cancel();
  findings.push(...checkResponseAgainstOpenApi(method, path, response.status, response.headers, text));
  covered.add(`${method} ${template(path)} ${response.status}`);
  try {
    return { status: response.status, json: JSON.parse(text) };
  } catch {
    return { status: response.status, json: {} };
  }
}

const bearerAdmin = { authorization: `Bearer ${token}` };

beforeAll(async () => {
  server = await startTestServer({ admin: { token }, metrics: true, hints: true });
  limited = await startTestServer({
    storeFile: false,
    failureBudget: { perAddress: { limit: 1, windowMs: 60_000 } },
  });
});
afterAll(async () => {
  await server?.close();
  await limited?.close();
});

describe('every documented answer of the real server matches /openapi.json', () => {
  it('the provider routes: successes and documented refusals', async () => {
    const { hmac } = server.demo;
    const good = () => formatHmacHeader({ ...hmac, timestamp: Date.now() });
    expect(
      (await exchange(server, 'GET', '/api/accounts', { headers: { authorization: good() } })).status,
    ).toBe(200);
    expect((await exchange(server, 'GET', '/accounts', { headers: { authorization: good() } })).status).toBe(
      200,
    );
    expect((await exchange(server, 'GET', '/api/accounts')).status).toBe(401);
    expect(
      (await exchange(server, 'GET', '/accounts', { headers: { authorization: 'AUTH x' } })).status,
    ).toBe(401);

    const fondy = server.demo['app-token'];
    const date = new Date().toISOString();
    const fondyBody = (signature: string) =>
      JSON.stringify({ application_id: fondy.applicationId, date, signature });
    const appToken = await exchange(server, 'POST', '/authorizer/token/application/get', {
      headers: json,
      body: fondyBody(signAppToken({ ...fondy, date })),
    });
    expect(appToken.status).toBe(200);
    expect(
      (
        await exchange(server, 'GET', '/api/accounts', {
          headers: { authorization: `Bearer ${appToken.json.token as string}` },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await exchange(server, 'POST', '/authorizer/token/application/get', {
          headers: json,
          body: fondyBody('ab'),
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await exchange(server, 'POST', '/authorizer/token/application/get', {
          headers: json,
          body: 'x'.repeat(70_000),
        })
      ).status,
    ).toBe(403);

    const emoney = server.demo['private-key-jwt'];
    const assertion = () =>
      createClientAssertion({
        clientId: emoney.clientId,
        audience: emoney.tokenEndpoint,
        privateKey: createPrivateKey(readFileSync(emoney.keyPath)),
        certificate: new X509Certificate(readFileSync(emoney.certificatePath)),
      });
    const tokenForm = (fields: Record<string, string> = {}) =>
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion(),
        scope: 'API',
        ...fields,
      }).toString();
    const issued = await exchange(server, 'POST', '/connect/token', { headers: form, body: tokenForm() });
    expect(issued.status).toBe(200);
    expect(
      (
        await exchange(server, 'POST', '/connect/token', {
          headers: form,
          body: tokenForm({ grant_type: 'password' }),
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await exchange(server, 'POST', '/connect/token', {
          headers: form,
          body: tokenForm({ client_assertion: 'a.b.c' }),
        })
      ).status,
    ).toBe(401);
    const users = (headers: Record<string, string>) =>
      exchange(server, 'GET', '/public/v1/users', { headers });
    expect(
      (await users({ authorization: `Bearer ${issued.json.access_token as string}`, apikey: emoney.apiKey }))
        .status,
    ).toBe(200);
    expect((await users({ authorization: `Bearer ${issued.json.access_token as string}` })).status).toBe(401);
    expect((await users({})).status).toBe(401);

    const waka = server.demo['api-key'];
    const auth = await exchange(server, 'POST', '/business/auth', {
      headers: json,
      body: JSON.stringify(waka),
    });
    expect(auth.status).toBe(200);
    expect((await exchange(server, 'POST', '/business/auth', { headers: json, body: '{}' })).status).toBe(
      400,
    );
    expect((await exchange(server, 'POST', '/business/auth', { headers: json, body: '{' })).status).toBe(400);
    expect(
      (
        await exchange(server, 'POST', '/business/auth', {
          headers: json,
          body: JSON.stringify({ ...waka, apiSecret: 'wrong' }),
        })
      ).status,
    ).toBe(401);
    const bearer = { authorization: `Bearer ${auth.json.accessToken as string}` };
    expect(
      (await exchange(server, 'GET', '/business/balance?currency=USD', { headers: bearer })).status,
    ).toBe(200);
    expect((await exchange(server, 'GET', '/business/balance', { headers: bearer })).status).toBe(400);
    expect((await exchange(server, 'GET', '/business/balance?currency=USD')).status).toBe(401);
  });

  it('the failure budgets: 429 with Retry-After in each surface', async () => {
    await exchange(limited, 'GET', '/api/accounts');
    expect((await exchange(limited, 'GET', '/api/accounts')).status).toBe(429);
    expect((await exchange(limited, 'GET', '/accounts')).status).toBe(429);
    const fondy = JSON.stringify({ application_id: '1234', date: 'x', signature: 'ab' });
    expect(
      (await exchange(limited, 'POST', '/authorizer/token/application/get', { headers: json, body: fondy }))
        .status,
    ).toBe(429);
    const tokenBody = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: 'a.b.c',
    }).toString();
    expect(
      (await exchange(limited, 'POST', '/connect/token', { headers: form, body: tokenBody })).status,
    ).toBe(429);
    expect(
      (await exchange(limited, 'GET', '/public/v1/users', { headers: { authorization: 'Bearer x' } })).status,
    ).toBe(429);
    const waka = JSON.stringify({ apiKey: 'your_api_key', apiSecret: 'wrong' });
    expect((await exchange(limited, 'POST', '/business/auth', { headers: json, body: waka })).status).toBe(
      429,
    );
    expect(
      (
        await exchange(limited, 'GET', '/business/balance?currency=USD', {
          headers: { authorization: 'Bearer x' },
        })
      ).status,
    ).toBe(429);
  });

  it('the platform routes', async () => {
    for (const path of [
      '/health',
      '/health/live',
      '/health/ready',
      '/.well-known/jwks.json',
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/openapi.json',
      '/metrics',
    ]) {
      expect((await exchange(server, 'GET', path)).status, path).toBe(200);
    }
    expect((await exchange(server, 'GET', '/nowhere')).status).toBe(404);
  });

  it('the admin API: every route, every documented status', async () => {
    const call = (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = bearerAdmin,
    ) =>
      exchange(server, method, `/admin/api${path}`, {
        headers: { ...json, ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    const created: Record<string, Record<string, unknown>> = {};
    for (const mechanism of ['hmac', 'app-token', 'private-key-jwt', 'api-key']) {
      const answer = await call('POST', '/credentials', { mechanism, partner: 'drift' });
      expect(answer.status).toBe(201);
      created[mechanism] = answer.json;
    }
    for (const mechanism of ['hmac', 'app-token', 'api-key']) {
      expect((await call('POST', `/credentials/${created[mechanism]!.id as string}/rotate`, {})).status).toBe(
        200,
      );
    }
    const certificate = created['private-key-jwt']!.certificatePem as string;
    expect(
      (
        await call('POST', `/credentials/${created['private-key-jwt']!.id as string}/rotate`, {
          cert: certificate,
        })
      ).status,
    ).toBe(200);
    expect((await call('POST', `/credentials/${created.hmac!.id as string}/revoke`)).status).toBe(200);
    expect((await call('GET', '/credentials?partner=drift')).status).toBe(200);
    expect((await call('GET', '/keys')).status).toBe(200);
    expect((await call('POST', '/keys/rotate')).status).toBe(200);
    expect((await call('GET', '/audit?limit=5')).status).toBe(200);
    expect((await call('GET', '/audit/stats')).status).toBe(200);
    for (const [kind, value] of [
      ['hmac-header', formatHmacHeader({ ...server.demo.hmac, timestamp: 1 })],
      ['assertion', 'a.b.c'],
      ['token-request', 'grant_type=password'],
      ['app-token-body', '{}'],
      ['token', 'abc'],
    ]) {
      expect((await call('POST', '/diagnose', { kind, value })).status, kind).toBe(200);
    }
    expect((await call('GET', '/events')).status).toBe(200);

    // 400, 401, 403, 404 and 413 on every route they are documented for.
    const document = createOpenApiDocument({}) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const concrete = (path: string) => path.replace('{id}', created['api-key']!.id as string);
    const badBodies: Record<string, string> = {
      '/admin/api/credentials': '{"mechanism":"basic"}',
      '/admin/api/diagnose': '{"kind":"x"}',
    };
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith('/admin/api/')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        const verb = method.toUpperCase();
        const route = concrete(path).replace('/admin/api', '');
        const statuses = Object.keys(operation.responses);
        expect((await call(verb, route, undefined, {})).status).toBe(401);
        expect(
          (await call(verb, route, undefined, { ...bearerAdmin, origin: 'https://evil.example' })).status,
        ).toBe(403);
        if (statuses.includes('413')) expect((await call(verb, route, 'x'.repeat(70_000))).status).toBe(413);
        if (statuses.includes('404')) {
          expect(
            (await call(verb, path.replace('{id}', 'cred_none').replace('/admin/api', ''), {})).status,
          ).toBe(404);
        }
        if (statuses.includes('400')) {
          const bad =
            verb === 'GET'
              ? await call(verb, `${route}?limit=0&minutes=0&mechanism=x`)
              : await call(verb, route, badBodies[path] ?? '[1]');
          expect(bad.status, `${verb} ${path}`).toBe(400);
        }
      }
    }
  });

  it('0 drift findings, and every documented status but 503 answered at least once', () => {
    expect(findings).toEqual([]);
    const document = createOpenApiDocument({}) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const status of Object.keys(operation.responses)) {
          if (status === '503') continue;
          const key = `${method.toUpperCase()} ${path} ${status}`;
          if (!covered.has(key)) missing.push(key);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
