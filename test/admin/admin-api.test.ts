import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createClientAssertion, formatHmacHeader, signAppToken } from '@payauth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResponseAgainstOpenApi, type DriftFinding } from '../support/openapi.ts';
import { startTestServer, type TestServer } from '../support/servers.ts';
import { type EventReader, openEvents } from './sse.ts';

const token = 'admin-token-0123456789-abcdefghij';
let server: TestServer;
const drift: DriftFinding[] = [];
/** Every secret created in this file: none may appear in any answer but its own create/rotate one. */
const secrets: string[] = [];

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: answers of many shapes, read field by field in the assertions
  json: Record<string, any>;
}

async function send(
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; base?: string } = {},
): Promise<Answer> {
  const response = await fetch(`${options.base ?? server.url}${path}`, {
    method,
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.text();
  drift.push(...checkResponseAgainstOpenApi(method, path, response.status, response.headers, text));
  let json: Answer['json'] = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = {};
  }
  return { status: response.status, headers: response.headers, text, json };
}

const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  send(method, `/admin/api${path}`, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const expectNoSecret = (text: string, where: string) => {
  for (const secret of secrets) expect(text.includes(secret), `a secret in ${where}`).toBe(false);
};

beforeAll(async () => {
  server = await startTestServer({ admin: { token, heartbeatMs: 1000 }, metrics: true, hints: true });
});
afterAll(async () => {
  await server?.close();
});

describe('the admin API over HTTP', () => {
  it('refuses unauthenticated, wrong-token and cross-origin requests', async () => {
    const none = await send('GET', '/admin/api/credentials');
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ error: 'unauthorized', message: 'send Authorization: Bearer <admin token>' });
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="payauth-admin"');
    const wrong = await send('GET', '/admin/api/credentials', {
      headers: { authorization: `Bearer ${token}x` },
    });
    expect(wrong.status).toBe(401);
    const crossOrigin = await admin(
      'POST',
      '/credentials',
      { mechanism: 'hmac' },
      { origin: 'https://evil.example' },
    );
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.json.error).toBe('forbidden');
    const sameOrigin = await admin('GET', '/credentials', undefined, { origin: server.url });
    expect(sameOrigin.status).toBe(200);
    const events = await openEvents(`${server.url}/admin/api/events`, { authorization: 'Bearer nope' });
    expect(events.status).toBe(401);
    events.close();
    // Nothing was created by the refused POST.
    expect((await admin('GET', '/audit', undefined, {})).json.events).toEqual([]);
  });

  it('ignores X-Forwarded-For without trust-proxy; refuses a remote client behind a trusted proxy', async () => {
    const spoofed = await admin('GET', '/keys', undefined, { 'x-forwarded-for': '203.0.113.9' });
    expect(spoofed.status).toBe(200);
    const proxied = await startTestServer({ admin: { token }, trustProxy: true, storeFile: false });
    try {
      const remote = await send('GET', '/admin/api/keys', {
        base: proxied.url,
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.9' },
      });
      expect(remote.status).toBe(403);
      expect(remote.json.message).toMatch(/loopback/);
      const local = await send('GET', '/admin/api/keys', {
        base: proxied.url,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(local.status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('creates, uses, breaks and revokes credentials: rejections stream live, every change audited, no secret leaks', async () => {
    const stream: EventReader = await openEvents(`${server.url}/admin/api/events`, {
      authorization: `Bearer ${token}`,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    drift.push(...checkResponseAgainstOpenApi('GET', '/admin/api/events', stream.status, stream.headers, ''));
    try {
      const hmac = await admin('POST', '/credentials', { mechanism: 'hmac', partner: 'acme' });
      const appToken = await admin('POST', '/credentials', { mechanism: 'app-token', partner: 'acme' });
      const apiKey = await admin('POST', '/credentials', { mechanism: 'api-key', partner: 'acme' });
      const emoney = await admin('POST', '/credentials', { mechanism: 'private-key-jwt', partner: 'acme' });
      for (const created of [hmac, appToken, apiKey, emoney]) expect(created.status).toBe(201);
      secrets.push(
        hmac.json.secretKey,
        appToken.json.secretKey,
        apiKey.json.apiSecret,
        emoney.json.apiKey,
        emoney.json.privateKeyPem.split('\n')[1],
      );

      // Each credential works at once (the running guards see the change without a poll).
      const accounts = await send('GET', '/api/accounts', {
        headers: { authorization: formatHmacHeader({ ...hmac.json, timestamp: Date.now() } as never) },
      });
      expect(accounts.status).toBe(200);
      const date = new Date().toISOString();
      const fondy = await send('POST', '/authorizer/token/application/get', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          application_id: appToken.json.applicationId,
          date,
          signature: signAppToken({
            secretKey: appToken.json.secretKey,
            applicationId: appToken.json.applicationId,
            date,
          }),
        }),
      });
      expect(fondy.status).toBe(200);
      const waka = await send('POST', '/business/auth', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiKey: apiKey.json.apiKey, apiSecret: apiKey.json.apiSecret }),
      });
      expect(waka.status).toBe(200);
      const assertion = createClientAssertion({
        clientId: emoney.json.clientId,
        audience: `${server.url}/connect/token`,
        privateKey: createPrivateKey(emoney.json.privateKeyPem),
        certificate: new X509Certificate(emoney.json.certificatePem),
      });
      const emoneyToken = await send('POST', '/connect/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
          scope: 'API',
        }).toString(),
      });
      expect(emoneyToken.status).toBe(200);
      const users = await send('GET', '/public/v1/users', {
        headers: { authorization: `Bearer ${emoneyToken.json.access_token}`, apikey: emoney.json.apiKey },
      });
      expect(users.status).toBe(200);
      secrets.push(emoneyToken.json.access_token, waka.json.accessToken, fondy.json.token);

      // Broken: a wrong secret. The rejection arrives on the stream with its advice in both languages.
      const broken = await send('GET', '/api/accounts', {
        headers: {
          authorization: formatHmacHeader({
            accessKey: hmac.json.accessKey,
            secretKey: 'not-the-secret',
            timestamp: Date.now(),
          }),
        },
      });
      expect(broken.status).toBe(401);
      const mismatch = await stream.next((event) => event.code === 'ERR_HMAC_SIGNATURE_MISMATCH');
      expect(mismatch).toMatchObject({
        mechanism: 'hmac',
        publicId: hmac.json.accessKey,
        credentialId: hmac.json.id,
        method: 'GET',
        path: '/api/accounts',
        requestId: expect.stringMatching(/^[A-Za-z0-9]{16}$/),
      });
      expect(mismatch.headerNames).toContain('authorization');
      expect((mismatch.diagnosis as { en: string }).en).toMatch(/trailing colon/);
      expect((mismatch.diagnosis as { fr: string }).fr).toMatch(/deux-points/);

      // Rotated, then revoked: the next request is refused, and that refusal streams too.
      const rotated = await admin('POST', `/credentials/${hmac.json.id}/rotate`, { overlapSeconds: 0 });
      expect(rotated.status).toBe(200);
      secrets.push(rotated.json.secretKey);
      const revoked = await admin('POST', `/credentials/${hmac.json.accessKey}/revoke`);
      expect(revoked.json).toMatchObject({ id: hmac.json.id, status: 'revoked' });
      const refused = await send('GET', '/api/accounts', {
        headers: { authorization: formatHmacHeader({ ...rotated.json, timestamp: Date.now() } as never) },
      });
      expect(refused.status).toBe(401);
      await stream.next(
        (event) => event.code === 'ERR_CREDENTIAL_REVOKED' && event.credentialId === hmac.json.id,
      );

      // Every change is in the audit trail, by the admin API, with ids and never a secret.
      const audit = await admin('GET', '/audit?mechanism=admin');
      expect(audit.json.events.map((event: { reason: string }) => event.reason)).toEqual([
        'ADMIN_CREDENTIAL_CREATED',
        'ADMIN_CREDENTIAL_CREATED',
        'ADMIN_CREDENTIAL_CREATED',
        'ADMIN_CREDENTIAL_CREATED',
        'ADMIN_CREDENTIAL_ROTATED',
        'ADMIN_CREDENTIAL_REVOKED',
      ]);
      const keys = await admin('POST', '/keys/rotate');
      expect(keys.status).toBe(200);
      expect((await admin('GET', '/audit?reason=ADMIN_SIGNING_KEY_ROTATED')).json.events).toHaveLength(1);

      // Lists, audit, stats, keys, diagnosis, metrics, the document and the stream: no secret anywhere.
      const list = await admin('GET', '/credentials?partner=acme');
      expect(list.json.credentials).toHaveLength(4);
      expect(list.json.credentials.find((c: { id: string }) => c.id === apiKey.json.id).lastUsedAt).toEqual(
        expect.any(String),
      );
      const diagnosis = await admin('POST', '/diagnose', {
        kind: 'app-token-body',
        value: JSON.stringify({ application_id: appToken.json.applicationId, date: 'x', signature: 'ab' }),
        lang: 'fr',
      });
      expect(diagnosis.json.serverSecretUsed).toBe(true);
      for (const answer of [
        list,
        audit,
        keys,
        diagnosis,
        await admin('GET', '/audit'),
        await admin('GET', '/audit/stats?minutes=5'),
        await admin('GET', '/keys'),
        await send('GET', '/metrics'),
        await send('GET', '/openapi.json'),
      ]) {
        expectNoSecret(answer.text, answer.text.slice(0, 60));
      }
      expectNoSecret(stream.text(), 'the event stream');
    } finally {
      stream.close();
    }
  });

  it('counts what happened in /metrics', async () => {
    const metrics = await send('GET', '/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(
      /payauth_rejections_total\{mechanism="hmac",code="ERR_HMAC_SIGNATURE_MISMATCH"\} 1/,
    );
    expect(metrics.text).toMatch(/payauth_tokens_issued_total\{mechanism="private-key-jwt"\} 1/);
    expect(metrics.text).toMatch(/payauth_requests_total\{mechanism="hmac",outcome="accepted"\} 1/);
    expect(metrics.text).toContain('payauth_store_up 1');
  });

  it('answered every request of this file as the OpenAPI document says (0 drift findings)', () => {
    expect(drift).toEqual([]);
  });
});
