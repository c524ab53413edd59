import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPkcs12 } from '@payauth/client';
import { createClientAssertion, formatHmacHeader } from '@payauth/core';
import type { DemoCredentials } from '@payauth/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestEmoneyToken } from '../support/peers.ts';
import { type CliProcess, freePort, startPayauth, waitForOutput } from '../support/servers.ts';
import { CuttableProxy, createDatabase, needPostgres, needRedis, REDIS_URL } from '../support/services.ts';

// PostgreSQL and Redis "go down" behind TCP proxies while requests keep coming, then come back. Every request in
// between gets a documented answer (200, 401, or 503 with Retry-After in the route's shape), never a 500 and never a
// wrong 200, and service resumes by itself.
// With PostgreSQL alone, the shared state (replay records, budgets) is PostgreSQL's: cut with the store.
const postgresUp = await needPostgres('fault suite');
const redisUp = await needRedis('fault suite');

describe.each([
  { shared: 'PostgreSQL and Redis', withRedis: true, ready: postgresUp && redisUp },
  { shared: 'PostgreSQL alone', withRedis: false, ready: postgresUp },
])('faults: $shared unreachable during load', ({ withRedis, ready }) => {
  if (!ready) return;
  const directory = mkdtempSync(join(tmpdir(), 'payauth-faults-'));
  const env = { PAYAUTH_MASTER_KEY: randomBytes(32).toString('base64') };
  let database: { url: string; drop: () => Promise<void> };
  let postgres: CuttableProxy;
  let redis: CuttableProxy;
  let serve: CliProcess;
  let url: string;
  let demo: DemoCredentials;
  let key: ReturnType<typeof loadPkcs12>;

  beforeAll(async () => {
    database = await createDatabase();
    const pgUrl = new URL(database.url);
    postgres = await CuttableProxy.start({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    const redisUrl = new URL(REDIS_URL);
    redis = await CuttableProxy.start({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    pgUrl.port = String(postgres.port);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    serve = startPayauth(
      [
        'serve',
        '--demo',
        '--port',
        String(port),
        '--store',
        pgUrl.toString(),
        ...(withRedis
          ? [
              '--redis',
              `redis://127.0.0.1:${redis.port}`,
              '--redis-prefix',
              `payauth-test:${randomBytes(4).toString('hex')}:`,
            ]
          : []),
      ],
      { env, cwd: directory },
    );
    await waitForOutput(serve, (out) => out.includes('pfx '));
    demo = JSON.parse(readFileSync(join(directory, 'payauth-demo', 'credentials.json'), 'utf8'));
    key = loadPkcs12(readFileSync(demo['private-key-jwt'].pfxPath), demo['private-key-jwt'].pfxPassword);
  }, 60_000);

  afterAll(async () => {
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    await postgres.close();
    await redis.close();
    await database.drop();
  });

  const hmac = () =>
    fetch(`${url}/api/accounts`, {
      headers: {
        Authorization: formatHmacHeader({
          accessKey: demo.hmac.accessKey,
          secretKey: demo.hmac.secretKey,
          timestamp: Date.now(),
        }),
      },
    });
  const token = (jwt: string) => requestEmoneyToken(url, jwt);
  const assertion = () =>
    createClientAssertion({
      clientId: demo['private-key-jwt'].clientId,
      privateKey: key.privateKey,
      certificate: key.certificate!,
      audience: demo['private-key-jwt'].tokenEndpoint,
    });
  const wakapay = () =>
    fetch(`${url}/business/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(demo['api-key']),
    });

  /** Runs mixed requests for `ms`, returning every status with its body and Retry-After. */
  async function load(ms: number, replayed: string) {
    const seen: Array<{ route: string; status: number; body: string; retryAfter: string | null }> = [];
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const batch = await Promise.all([
        hmac().then(async (r) => ({ route: 'hmac', r })),
        token(assertion()).then(async (r) => ({ route: 'token', r })),
        token(replayed).then(async (r) => ({ route: 'replay', r })),
        wakapay().then(async (r) => ({ route: 'api-key', r })),
      ]);
      for (const { route, r } of batch)
        seen.push({
          route,
          status: r.status,
          body: await r.text(),
          retryAfter: r.headers.get('retry-after'),
        });
    }
    return seen;
  }

  it.skipIf(!withRedis)(
    'Redis down: replay-dependent requests get 503 in the OAuth shape, the rest is served, then it resumes',
    async () => {
      const used = assertion();
      expect((await token(used)).status).toBe(200);
      redis.cut();
      const during = await load(1500, used);
      redis.restore();
      expect(during.some((s) => s.status === 500)).toBe(false);
      // A replayed assertion is never accepted, even while the replay records cannot be read.
      expect(during.filter((s) => s.route === 'replay').every((s) => s.status !== 200)).toBe(true);
      const unavailable = during.filter((s) => s.status === 503);
      expect(unavailable.length).toBeGreaterThan(0);
      for (const s of unavailable.filter((s) => s.route === 'token')) {
        expect(JSON.parse(s.body)).toEqual({
          error: 'temporarily_unavailable',
          error_description: 'service temporarily unavailable, retry later',
        });
        expect(Number(s.retryAfter)).toBeGreaterThan(0);
      }
      // What needs no Redis keeps working (budgets fail open by default).
      expect(during.filter((s) => s.route === 'hmac').every((s) => s.status === 200)).toBe(true);
      expect(during.filter((s) => s.route === 'api-key').every((s) => s.status === 200)).toBe(true);
      let resumed = false;
      for (let i = 0; i < 100 && !resumed; i++) {
        resumed = (await token(assertion())).status === 200;
        if (!resumed) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(resumed).toBe(true);
    },
  );

  it('PostgreSQL down: store-dependent requests get 503 in their documented shape, then it resumes by itself', async () => {
    const used = assertion();
    expect((await token(used)).status).toBe(200);
    const cutAt = Date.now();
    postgres.cut();
    const during = await load(7000, used);
    // Readiness says so while PostgreSQL is out (the load balancer stops sending), liveness does not.
    const readiness = await fetch(`${url}/health/ready`);
    expect([readiness.status, readiness.headers.get('retry-after')]).toEqual([503, '1']);
    expect(((await readiness.json()) as { store: string }).store).toBe('down');
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const restoredAt = Date.now();
    postgres.restore();
    expect(during.some((s) => s.status === 500)).toBe(false);
    expect(during.filter((s) => s.route === 'replay').every((s) => s.status !== 200)).toBe(true);
    const hmacDown = during.filter((s) => s.route === 'hmac' && s.status === 503);
    expect(hmacDown.length).toBeGreaterThan(0);
    for (const s of hmacDown) {
      expect(JSON.parse(s.body)).toEqual({
        code: '503',
        message: 'service temporarily unavailable, retry later',
      });
      expect(Number(s.retryAfter)).toBeGreaterThan(0);
    }
    for (const s of during.filter((s) => s.status === 503)) expect(Number(s.retryAfter)).toBeGreaterThan(0);
    for (const s of during.filter((s) => s.route === 'api-key' && s.status === 503)) {
      expect(JSON.parse(s.body)).toEqual({ code: 0, error: 'service temporarily unavailable, retry later' });
    }
    // 429: the replayed assertion exhausts the client's failure budget, as it should.
    for (const s of during) expect([200, 401, 429, 503], `${s.route} ${s.status}`).toContain(s.status);
    let resumed = false;
    for (let i = 0; i < 200 && !resumed; i++) {
      const [a, b] = await Promise.all([hmac(), wakapay()]);
      resumed = a.status === 200 && b.status === 200;
      if (!resumed) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(resumed).toBe(true);
    let health = 0;
    for (let i = 0; i < 40 && health !== 200; i++) {
      health = (await fetch(`${url}/health`)).status;
      if (health !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(health).toBe(200);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    // The replay record written before the outage still holds after it.
    expect((await token(used)).status).toBe(401);
    // Lose nothing: the audit events of the outage were kept and written once the store came back.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query(
      'SELECT count(*)::int AS n FROM payauth_audit WHERE at BETWEEN $1 AND $2',
      [cutAt, restoredAt],
    );
    await client.end();
    // With PostgreSQL alone every request of the outage needed it (503, no verdict, nothing to audit); with Redis,
    // tokens were still issued and refused.
    const verdicts = during.filter((s) => s.status !== 503).length;
    if (verdicts > 0) expect(rows[0].n).toBeGreaterThan(0);
  });
});
