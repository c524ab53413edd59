import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPkcs12 } from '@payauth/client';
import { createClientAssertion } from '@payauth/core';
import { createPayauthServer, type PayauthServer } from '@payauth/server/standalone';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startPayauth, waitForOutput } from '../support/servers.ts';
import { createDatabase, needPostgres, needRedis, REDIS_URL } from '../support/services.ts';

// Issue 12 on the scale-out stores: an id PostgreSQL cannot hold, an audit row it refuses, and the failure budget's
// race on Redis.
const postgres = await needPostgres('hardening scale suite (PostgreSQL ids and audit)');
const redis = await needRedis('hardening scale suite (Redis failure budget)');

const json = { 'Content-Type': 'application/json' };

describe.skipIf(!postgres)('PostgreSQL: ids and the audit trail', () => {
  let database: { url: string; drop: () => Promise<void> };
  let server: PayauthServer;
  let url: string;
  const directory = mkdtempSync(join(tmpdir(), 'payauth-hardening-'));
  const masterKey = randomBytes(32);

  const start = async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = await createPayauthServer({
      store: database.url,
      masterKey,
      issuer: url,
      demo: true,
      demoDirectory: directory,
      logger: false,
    });
    await server.listen(port);
  };
  const auditRows = async (reason?: string) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        reason === undefined
          ? 'SELECT count(*)::int AS n FROM payauth_audit'
          : 'SELECT count(*)::int AS n FROM payauth_audit WHERE reason = $1',
        reason === undefined ? [] : [reason],
      );
      return rows[0].n as number;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    database = await createDatabase();
    await start();
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('1. NUL in apiKey, application_id and an assertion sub: the documented 401/403, never a 500', async () => {
    const apiKey = await fetch(`${url}/business/auth`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ apiKey: 'a\u0000b', apiSecret: 'x' }),
    });
    expect([apiKey.status, await apiKey.text()]).toEqual([401, '{"code":0,"error":"invalid credentials"}']);
    const app = await fetch(`${url}/authorizer/token/application/get`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ application_id: '12\u00004', date: 'd', signature: 'a'.repeat(128) }),
    });
    expect(app.status).toBe(403);
    const demo = server.payauth.demo!['private-key-jwt'];
    const material = loadPkcs12(readFileSync(demo.pfxPath), demo.pfxPassword);
    const token = await fetch(`${url}/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: createClientAssertion({
          clientId: 'emoney\u0000client',
          privateKey: material.privateKey,
          certificate: material.certificate!,
          audience: demo.tokenEndpoint,
        }),
      }),
    });
    expect(token.status).toBe(401);
  });

  it('2. a row PostgreSQL refuses is set aside; the next refusals all reach payauth_audit, also on shutdown', async () => {
    const refuse = () =>
      fetch(`${url}/business/auth`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ apiKey: 'your_api_key', apiSecret: 'wrong' }),
      }).then((response) => response.status);
    await server.payauth.audit.flush();
    const before = await auditRows('ERR_API_KEY_CREDENTIALS_INVALID');
    // A refusal whose row PostgreSQL rejects (NUL in text, 22021), queued like any other.
    server.payauth.audit.record({
      at: Date.now(),
      mechanism: 'api-key',
      publicId: 'a\u0000b',
      outcome: 'failure',
      reason: 'ERR_API_KEY_CREDENTIALS_INVALID',
      address: '127.0.0.1',
      requestId: 'poison0000000000',
    });
    for (let i = 0; i < 10; i++) expect(await refuse()).toBe(401);
    await server.payauth.audit.flush();
    expect(await auditRows('ERR_API_KEY_CREDENTIALS_INVALID')).toBe(before + 10);
    const health = (await (await fetch(`${url}/health`)).json()) as {
      audit: { status: string; rejectedRows: number };
    };
    expect(health.audit).toMatchObject({ status: 'degraded', rejectedRows: 1 });
    // Again, and this time the rows are written by the shutdown flush (what SIGTERM runs).
    server.payauth.audit.record({
      at: Date.now(),
      mechanism: 'api-key',
      publicId: 'c\u0000d',
      outcome: 'failure',
      reason: 'ERR_API_KEY_CREDENTIALS_INVALID',
      address: '127.0.0.1',
      requestId: 'poison0000000001',
    });
    for (let i = 0; i < 10; i++) expect(await refuse()).toBe(401);
    await server.close();
    expect(await auditRows('ERR_API_KEY_CREDENTIALS_INVALID')).toBe(before + 20);
    await start();
  });
});

describe.skipIf(!redis)('Redis: the failure budget under a 300-way race', () => {
  it('3. --failure-limit 20, 300 concurrent wrong secrets from 30 addresses: at most 20 verified', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'payauth-race-'));
    const port = await freePort();
    const serve = startPayauth(
      [
        'serve',
        '--demo',
        '--port',
        String(port),
        '--store',
        join(directory, 'store.db'),
        '--redis',
        REDIS_URL,
        '--redis-prefix',
        `payauth-test:${randomBytes(4).toString('hex')}:`,
        '--failure-limit',
        '20',
        '--trust-proxy',
        'true',
        '--log-level',
        'silent',
      ],
      { cwd: directory },
    );
    try {
      await waitForOutput(serve, (out) => out.includes(`http://127.0.0.1:${port}`));
      const statuses = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          fetch(`http://127.0.0.1:${port}/business/auth`, {
            method: 'POST',
            headers: { ...json, 'X-Forwarded-For': `10.0.0.${i % 30}` },
            body: JSON.stringify({ apiKey: 'your_api_key', apiSecret: `guess-${i}` }),
          }).then((response) => response.status),
        ),
      );
      const verified = statuses.filter((status) => status === 401).length;
      const limited = statuses.filter((status) => status === 429).length;
      console.log(
        `[race] 300 concurrent wrong secrets, --failure-limit 20: verified ${verified}, 429 ${limited}`,
      );
      expect(verified + limited).toBe(300);
      expect(verified).toBeLessThanOrEqual(20);
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
      // The audit trail agrees: one ERR_API_KEY_CREDENTIALS_INVALID row per verified guess.
      const audit = startPayauth(['audit', '--store', join(directory, 'store.db'), '--json'], {
        cwd: directory,
      });
      await audit.exited;
      const rows = JSON.parse(audit.stdout) as Array<{ reason: string }>;
      expect(rows.filter((row) => row.reason === 'ERR_API_KEY_CREDENTIALS_INVALID')).toHaveLength(verified);
      expect(rows.filter((row) => row.reason === 'ERR_RATE_LIMITED')).toHaveLength(limited);
    } finally {
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    }
  });
});
