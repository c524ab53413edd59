import { createHmac } from 'node:crypto';
import { formatHmacHeader, signAppToken } from '@payauth/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestHost, testRequest } from '../../../../test/support/admin-host.ts';
import { createTestCertificate } from '../../../../test/support/certificates.ts';
import type { Route } from '../http/types.ts';
import type { RejectionEvent } from './host.ts';
import { createAdminRoutes } from './routes.ts';

const token = 'admin-token-for-tests-0123456789';
let host: Awaited<ReturnType<typeof createTestHost>>;
let routes: Route[];

function find(method: string, path: string): { route: Route; params: Record<string, string> } {
  for (const route of routes) {
    if (route.method !== method) continue;
    const names: string[] = [];
    const pattern = new RegExp(
      `^${route.path.replace(/:(\w+)/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    const match = pattern.exec(path);
    if (match) return { route, params: Object.fromEntries(names.map((name, i) => [name, match[i + 1]!])) };
  }
  throw new Error(`no route ${method} ${path}`);
}

async function call(method: string, path: string, body?: unknown, query: Record<string, string> = {}) {
  const { route, params } = find(method, path);
  const response = await route.handle(
    testRequest(method, path, { token, params, query, ...(body === undefined ? {} : { body }) }),
  );
  return {
    status: response.status,
    headers: response.headers,
    text: response.body,
    json: JSON.parse(response.body || 'null'),
  };
}

beforeEach(async () => {
  host = await createTestHost();
  routes = createAdminRoutes(host, { token, heartbeatMs: 50 });
});
afterEach(async () => {
  await host.close();
});

describe('admin credentials', () => {
  it('creates, lists without secrets, rotates, revokes — and audits each change', async () => {
    const created = await call('POST', '/admin/api/credentials', { mechanism: 'hmac', partner: 'acme' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ mechanism: 'hmac', partnerId: 'acme', version: '1' });
    const { id, accessKey, secretKey } = created.json as { id: string; accessKey: string; secretKey: string };
    expect(created.headers['cache-control']).toBe('no-store');

    const listed = await call('GET', '/admin/api/credentials', undefined, { partner: 'acme' });
    expect(listed.json.credentials).toEqual([
      expect.objectContaining({ id, publicId: accessKey, status: 'active', liveSecrets: 1 }),
    ]);
    expect(listed.text).not.toContain(secretKey);

    const rotated = await call('POST', `/admin/api/credentials/${id}/rotate`, { overlapSeconds: 0 });
    expect(rotated.status).toBe(200);
    expect(rotated.json.secretKey).not.toBe(secretKey);
    expect(rotated.json.overlapSeconds).toBe(0);
    const afterRotation = await call('GET', '/admin/api/credentials');
    expect(afterRotation.text).not.toContain(rotated.json.secretKey);

    const revoked = await call('POST', `/admin/api/credentials/${accessKey}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ id, status: 'revoked' });
    expect(revoked.text).not.toContain(rotated.json.secretKey);

    const audit = await call('GET', '/admin/api/audit', undefined, { mechanism: 'admin' });
    expect(audit.json.events.map((e: { reason: string }) => e.reason)).toEqual([
      'ADMIN_CREDENTIAL_CREATED',
      'ADMIN_CREDENTIAL_ROTATED',
      'ADMIN_CREDENTIAL_REVOKED',
    ]);
    expect(audit.json.events.every((e: { credentialId: string }) => e.credentialId === id)).toBe(true);
    expect(audit.text).not.toContain(secretKey);
  });

  it('creates every mechanism; private-key-jwt takes PEM text only', async () => {
    for (const mechanism of ['app-token', 'api-key'] as const) {
      expect((await call('POST', '/admin/api/credentials', { mechanism })).status).toBe(201);
    }
    const certificate = createTestCertificate();
    const created = await call('POST', '/admin/api/credentials', {
      mechanism: 'private-key-jwt',
      cert: certificate.certificatePem,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ mechanism: 'private-key-jwt', kid: expect.any(String) });
    // Without a certificate, a key pair is made: the private key is in this answer and nowhere else.
    const generated = await call('POST', '/admin/api/credentials', { mechanism: 'private-key-jwt' });
    expect(generated.status).toBe(201);
    expect(generated.json.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(generated.json.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const listed = await call('GET', '/admin/api/credentials');
    expect(listed.text).not.toContain('PRIVATE KEY');
    expect(listed.text).not.toContain(generated.json.apiKey);
    const path = await call('POST', '/admin/api/credentials', {
      mechanism: 'private-key-jwt',
      cert: certificate.certificatePath,
    });
    expect(path.json).toEqual({
      error: 'invalid_request',
      message: 'cert must be a PEM certificate (text, not a path)',
    });
  });

  it('refuses bad input with 400 and unknown ids with 404', async () => {
    expect((await call('POST', '/admin/api/credentials', { mechanism: 'basic' })).json.error).toBe(
      'invalid_request',
    );
    expect((await call('POST', '/admin/api/credentials', '{not json')).status).toBe(400);
    expect((await call('POST', '/admin/api/credentials', [1])).status).toBe(400);
    expect(
      (await call('POST', '/admin/api/credentials', { mechanism: 'hmac', partner: 'a\nb' })).status,
    ).toBe(400);
    expect((await call('GET', '/admin/api/credentials', undefined, { mechanism: 'x' })).status).toBe(400);
    const missing = await call('POST', '/admin/api/credentials/cred_missing/revoke');
    expect(missing.status).toBe(404);
    expect(missing.text).not.toContain('cred_missing');
    expect((await call('POST', '/admin/api/credentials/cred_missing/rotate', {})).status).toBe(404);
    const created = await call('POST', '/admin/api/credentials', { mechanism: 'api-key' });
    expect(
      (await call('POST', `/admin/api/credentials/${created.json.id}/rotate`, { overlapSeconds: -1 })).status,
    ).toBe(400);
  });

  it('shows the last use of a credential from the audit trail', async () => {
    const created = await call('POST', '/admin/api/credentials', { mechanism: 'api-key' });
    host.store.appendAudit([
      {
        at: Date.parse('2026-11-25T10:00:00Z'),
        mechanism: 'api-key',
        credentialId: created.json.id,
        outcome: 'success',
        reason: 'OK',
        address: '127.0.0.1',
        requestId: 'r'.repeat(16),
      },
    ]);
    const listed = await call('GET', '/admin/api/credentials');
    expect(listed.json.credentials[0].lastUsedAt).toBe('2026-11-25T10:00:00.000Z');
  });
});

describe('admin keys', () => {
  it('lists and rotates the signing keys without private parts, audited', async () => {
    const before = await call('GET', '/admin/api/keys');
    expect(before.json.keys).toHaveLength(1);
    expect(before.json.keys[0]).toEqual({
      kid: expect.any(String),
      alg: 'EdDSA',
      createdAt: expect.any(String),
    });
    const rotated = await call('POST', '/admin/api/keys/rotate');
    expect(rotated.json.kid).not.toBe(before.json.keys[0].kid);
    expect(rotated.json.keys).toHaveLength(2);
    expect(rotated.json.keys[0].retiredAt).toEqual(expect.any(String));
    expect(rotated.text).not.toMatch(/PRIVATE|privateKey|"d":/);
    const audit = await call('GET', '/admin/api/audit', undefined, { reason: 'ADMIN_SIGNING_KEY_ROTATED' });
    expect(audit.json.events).toEqual([expect.objectContaining({ publicId: rotated.json.kid })]);
  });
});

describe('admin audit', () => {
  it('filters by mechanism, outcome, reason, credential and time, and counts per minute', async () => {
    const now = Date.now();
    const base = { address: '127.0.0.1', requestId: 'r'.repeat(16) };
    await host.store.appendAudit([
      {
        ...base,
        at: now - 120_000,
        mechanism: 'hmac',
        outcome: 'failure',
        reason: 'ERR_HMAC_TIMESTAMP_STALE',
        publicId: 'k1',
      },
      {
        ...base,
        at: now - 1000,
        mechanism: 'hmac',
        outcome: 'success',
        reason: 'OK',
        credentialId: 'cred_a',
        count: 5,
      },
      {
        ...base,
        at: now,
        mechanism: 'api-key',
        outcome: 'failure',
        reason: 'ERR_API_KEY_CREDENTIALS_INVALID',
      },
    ]);
    const reasons = async (query: Record<string, string>) =>
      (await call('GET', '/admin/api/audit', undefined, query)).json.events.map(
        (e: { reason: string }) => e.reason,
      );
    expect(await reasons({ mechanism: 'hmac' })).toEqual(['ERR_HMAC_TIMESTAMP_STALE', 'OK']);
    expect(await reasons({ outcome: 'failure' })).toEqual([
      'ERR_HMAC_TIMESTAMP_STALE',
      'ERR_API_KEY_CREDENTIALS_INVALID',
    ]);
    expect(await reasons({ credential: 'k1' })).toEqual(['ERR_HMAC_TIMESTAMP_STALE']);
    expect(await reasons({ credential: 'cred_a' })).toEqual(['OK']);
    expect(await reasons({ since: String(now - 60_000) })).toEqual(['OK', 'ERR_API_KEY_CREDENTIALS_INVALID']);
    expect(await reasons({ until: new Date(now - 60_000).toISOString() })).toEqual([
      'ERR_HMAC_TIMESTAMP_STALE',
    ]);
    expect(await reasons({ limit: '1' })).toEqual(['ERR_API_KEY_CREDENTIALS_INVALID']);
    expect((await call('GET', '/admin/api/audit', undefined, { limit: '0' })).status).toBe(400);
    expect((await call('GET', '/admin/api/audit', undefined, { since: 'yesterday' })).status).toBe(400);

    const stats = await call('GET', '/admin/api/audit/stats', undefined, { minutes: '10' });
    const total = (mechanism: string, field: 'accepted' | 'rejected') =>
      stats.json.minutes
        .filter((m: { mechanism: string }) => m.mechanism === mechanism)
        .reduce((sum: number, m: Record<string, number>) => sum + m[field]!, 0);
    expect(total('hmac', 'accepted')).toBe(5);
    expect(total('hmac', 'rejected')).toBe(1);
    expect(total('api-key', 'rejected')).toBe(1);
    expect(stats.json.minutes[0].minute).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
  });
});

describe('admin diagnose', () => {
  it('diagnoses an hmac header with the server secret, which it never returns', async () => {
    const created = await call('POST', '/admin/api/credentials', { mechanism: 'hmac' });
    const { accessKey, secretKey } = created.json;
    const seconds = Math.floor(Date.now() / 1000);
    const sign = createHmac('sha256', secretKey).update(`${accessKey}:${seconds}:1:`).digest('hex');
    const header = `AUTH ${accessKey}:${seconds}:1:${sign}`;
    const diagnosis = await call('POST', '/admin/api/diagnose', {
      kind: 'hmac-header',
      value: header,
      lang: 'fr',
    });
    expect(diagnosis.json.kind).toBe('hmac-header');
    expect(diagnosis.json.serverSecretUsed).toBe(true);
    expect(diagnosis.json.findings[0].code).toBe('TIMESTAMP_IN_SECONDS');
    expect(diagnosis.json.findings[0].message).toMatch(/millisecondes/);
    expect(diagnosis.text).not.toContain(secretKey);

    const good = formatHmacHeader({ accessKey, secretKey, timestamp: Date.now() });
    const valid = await call('POST', '/admin/api/diagnose', { kind: 'hmac-header', value: good });
    expect(valid.json).toMatchObject({ valid: true, findings: [{ code: 'VALID' }] });
    const wrong = formatHmacHeader({ accessKey, secretKey: 'not-the-secret', timestamp: Date.now() });
    expect(
      (await call('POST', '/admin/api/diagnose', { kind: 'hmac-header', value: wrong })).json.findings[0]
        .code,
    ).toBe('SIGNATURE_MISMATCH');
    const unknown = formatHmacHeader({ accessKey: 'nobody', secretKey, timestamp: Date.now() });
    expect(
      (await call('POST', '/admin/api/diagnose', { kind: 'hmac-header', value: unknown })).json.findings[0]
        .code,
    ).toBe('ACCESS_KEY_UNKNOWN');
  });

  it('diagnoses a Fondy body with the server secret', async () => {
    const created = await call('POST', '/admin/api/credentials', { mechanism: 'app-token' });
    const { applicationId, secretKey } = created.json;
    const date = '2020-04-06 11:15:27';
    const body = (signature: string) => JSON.stringify({ application_id: applicationId, date, signature });
    const valid = await call('POST', '/admin/api/diagnose', {
      kind: 'app-token-body',
      value: body(signAppToken({ secretKey, applicationId, date })),
    });
    expect(valid.json).toMatchObject({ valid: true, serverSecretUsed: true });
    const swapped = signAppToken({ secretKey: applicationId, applicationId: secretKey, date });
    const wrongOrder = await call('POST', '/admin/api/diagnose', {
      kind: 'app-token-body',
      value: body(swapped),
    });
    expect(wrongOrder.json.findings.map((f: { code: string }) => f.code)).toEqual([
      'APP_SIGNATURE_WRONG_ORDER',
    ]);
    expect(wrongOrder.text).not.toContain(secretKey);
  });

  it('diagnoses tokens and refuses bad requests', async () => {
    const { token: issued } = host.issuer.issue(
      { sub: 'cred_x', partner: 'p', mechanism: 'api-key' } as never,
      60,
    );
    const diagnosis = await call('POST', '/admin/api/diagnose', { kind: 'token', value: `Bearer ${issued}` });
    expect(diagnosis.json).toMatchObject({ valid: true });
    expect(diagnosis.json.findings.map((f: { code: string }) => f.code)).toContain('TOKEN_MECHANISM');
    const forged = `${issued.slice(0, -4)}AAAA`;
    expect(
      (await call('POST', '/admin/api/diagnose', { kind: 'token', value: forged })).json.findings[0].code,
    ).toBe('TOKEN_NOT_ISSUED_HERE');
    expect((await call('POST', '/admin/api/diagnose', { kind: 'x', value: 'y' })).status).toBe(400);
    expect((await call('POST', '/admin/api/diagnose', { kind: 'token', value: '' })).status).toBe(400);
    expect(
      (await call('POST', '/admin/api/diagnose', { kind: 'token', value: 'a', lang: 'de' })).status,
    ).toBe(400);
  });
});

describe('admin events', () => {
  const event: RejectionEvent = {
    at: Date.parse('2026-11-25T10:00:00Z'),
    mechanism: 'hmac',
    code: 'ERR_HMAC_TIMESTAMP_STALE',
    reason: 'the timestamp is too old',
    publicId: 'k1rXpphkRG!2-Fox',
    requestId: 'abcdefghijklmnop',
    address: '127.0.0.1',
    method: 'GET',
    path: '/api/accounts',
    headerNames: ['authorization', 'host'],
  };

  it('streams each rejection with its advice in both languages, and heartbeats', async () => {
    const answer = await find('GET', '/admin/api/events').route.handle(
      testRequest('GET', '/admin/api/events', { token }),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const iterator = answer.stream![Symbol.asyncIterator]();
    expect((await iterator.next()).value).toContain('retry: 2000');
    host.emit(event);
    const message = (await iterator.next()).value as string;
    expect(message).toMatch(/^id: \d+\ndata: /);
    const data = JSON.parse(message.split('data: ')[1]!);
    expect(data).toMatchObject({
      at: '2026-11-25T10:00:00.000Z',
      code: 'ERR_HMAC_TIMESTAMP_STALE',
      // No credential matched: the id may be a pasted secret, so only its start is shown.
      publicId: 'k1rX…',
      headerNames: ['authorization', 'host'],
    });
    expect(data.diagnosis.en).toMatch(/older than 5 minutes/);
    expect(data.diagnosis.fr).toMatch(/plus de 5 minutes/);
    expect(data).not.toHaveProperty('address');
    expect((await iterator.next()).value).toBe(': heartbeat\n\n');
    await iterator.return!();
    expect((await iterator.next()).done).toBe(true);
  });

  it('stops listening when the reader goes away', async () => {
    let listening = 0;
    const onRejection = host.onRejection.bind(host);
    host.onRejection = (listener) => {
      listening++;
      const stop = onRejection(listener);
      return () => {
        listening--;
        stop();
      };
    };
    const answer = await find('GET', '/admin/api/events').route.handle(
      testRequest('GET', '/admin/api/events', { token }),
    );
    expect(listening).toBe(1);
    await answer.stream![Symbol.asyncIterator]().return!();
    expect(listening).toBe(0);
  });

  it('is behind the gate like every admin route', async () => {
    for (const route of routes) {
      const answer = await route.handle(testRequest(route.method, route.path));
      expect(answer.status, `${route.method} ${route.path}`).toBe(401);
      expect(answer.stream).toBeUndefined();
    }
  });
});

describe('public ids in the audit answers', () => {
  it('shows a matched id whole and an unknown one cut short', async () => {
    const base = { address: '127.0.0.1', requestId: 'r'.repeat(16), outcome: 'failure' as const };
    await host.store.appendAudit([
      {
        ...base,
        at: Date.now(),
        mechanism: 'hmac',
        reason: 'ERR_HMAC_KEY_UNKNOWN',
        publicId: 'E0!oYfVpA6-noiqGr',
      },
      {
        ...base,
        at: Date.now(),
        mechanism: 'hmac',
        reason: 'ERR_HMAC_SIGNATURE_MISMATCH',
        publicId: 'k1rXpphkRG!2-Fox',
        credentialId: 'cred_1',
      },
    ]);
    const answer = await call('GET', '/admin/api/audit', undefined, { mechanism: 'hmac' });
    expect(answer.json.events.map((event: { publicId: string }) => event.publicId)).toEqual([
      'E0!o…',
      'k1rXpphkRG!2-Fox',
    ]);
    expect(answer.text).not.toContain('E0!oYfVpA6');
  });
});
