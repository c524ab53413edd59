import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadPkcs12 } from '@payauth/client';
import { createClientAssertion, formatHmacHeader } from '@payauth/core';
import { describe, expect, it } from 'vitest';
import { useInstances } from '../support/instances.ts';
import { requestEmoneyToken } from '../support/peers.ts';
import { runPayauth } from '../support/servers.ts';
import { postgresReachable, REDIS_URL, redisReachable } from '../support/services.ts';

// Three `payauth serve` processes on loopback sharing one PostgreSQL database, and one Redis or none (the shared state
// is then PostgreSQL's, the default for a postgres:// store), behind one public URL (--issuer), as behind a load
// balancer.
const postgresUp = await postgresReachable();
const redisUp = await redisReachable();
if (!postgresUp || !redisUp)
  console.warn('[skip] multi-instance suite: PostgreSQL or Redis is not reachable (.ci/run starts them)');

describe.each([
  { shared: 'PostgreSQL and Redis', redis: true, ready: postgresUp && redisUp },
  { shared: 'PostgreSQL alone', redis: false, ready: postgresUp },
])('several instances sharing $shared', ({ redis, ready }) => {
  if (!ready) return;
  const prefix = `payauth-test:${randomBytes(4).toString('hex')}:`;
  const stateArgs = redis ? ['--redis', REDIS_URL, '--redis-prefix', prefix] : [];
  const fleet = useInstances([...stateArgs, '--failure-limit', '8', '--hints']);

  const assertion = () => {
    const pkj = fleet.demo['private-key-jwt'];
    const { privateKey, certificate } = loadPkcs12(readFileSync(pkj.pfxPath), pkj.pfxPassword);
    return createClientAssertion({
      clientId: pkj.clientId,
      privateKey,
      certificate: certificate!,
      audience: `${fleet.issuer}/connect/token`,
    });
  };
  const tokenRequest = requestEmoneyToken;

  it('an assertion accepted by one instance is rejected by the others; of simultaneous ones exactly one wins', async () => {
    const jwt = assertion();
    expect((await tokenRequest(fleet.instances[0]!.url, jwt)).status).toBe(200);
    for (const other of fleet.instances.slice(1)) {
      const response = await tokenRequest(other.url, jwt);
      expect(response.status).toBe(401);
      expect(response.headers.get('payauth-hint')).toMatch(/^ERR_ASSERTION_REPLAYED/);
    }
    const race = assertion();
    const statuses = await Promise.all(
      fleet.instances
        .flatMap((i) => [tokenRequest(i.url, race), tokenRequest(i.url, race)])
        .map((p) => p.then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
  });

  it('a token issued by one instance works on the others (one signing key in the store)', async () => {
    const response = await tokenRequest(fleet.instances[0]!.url, assertion());
    const { access_token } = (await response.json()) as { access_token: string };
    for (const instance of fleet.instances) {
      const users = await fetch(`${instance.url}/public/v1/users`, {
        headers: { Authorization: `Bearer ${access_token}`, apikey: fleet.demo['private-key-jwt'].apiKey },
      });
      expect(users.status, users.headers.get('payauth-hint') ?? '').toBe(200);
    }
  });

  it('a credential revoked through the CLI is refused by every instance within 1 s', async () => {
    const created = JSON.parse(
      (
        await runPayauth(['credentials', 'create', 'api-key', '--store', fleet.database.url, '--json'], {
          env: fleet.env,
        })
      ).stdout,
    ) as { apiKey: string; apiSecret: string };
    const auth = (url: string) =>
      fetch(`${url}/business/auth`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(created),
      }).then((r) => r.status);
    for (const instance of fleet.instances) {
      for (let i = 0; i < 100 && (await auth(instance.url)) !== 200; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await auth(instance.url)).toBe(200);
    }
    const revoke = runPayauth(
      ['credentials', 'revoke', created.apiKey, '--store', fleet.database.url, ...stateArgs],
      { env: fleet.env },
    );
    const result = await revoke;
    expect(result.code).toBe(0);
    const revokedAt = performance.now();
    const latencies = await Promise.all(
      fleet.instances.map(async (instance) => {
        while ((await auth(instance.url)) !== 401) {
          if (performance.now() - revokedAt > 5000) return Number.POSITIVE_INFINITY;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return performance.now() - revokedAt;
      }),
    );
    console.info(
      `revocation seen by the fleet.instances after ${latencies.map((l) => l.toFixed(0)).join(', ')} ms (limit 1000)`,
    );
    for (const latency of latencies) expect(latency).toBeLessThan(1000);
  });

  it('failure budgets count across fleet.instances', async () => {
    const bad = () =>
      formatHmacHeader({
        accessKey: fleet.demo.hmac.accessKey,
        secretKey: 'wrong-secret',
        timestamp: Date.now(),
      });
    const call = (url: string, header: string) =>
      fetch(`${url}/api/accounts`, { headers: { Authorization: header } }).then((r) => r.status);
    // The limit is 8 failures per credential: spread over the 3 fleet.instances, no one of them sees more than 3.
    for (let i = 0; i < 8; i++) expect(await call(fleet.instances[i % 3]!.url, bad())).toBe(401);
    const good = formatHmacHeader({
      accessKey: fleet.demo.hmac.accessKey,
      secretKey: fleet.demo.hmac.secretKey,
      timestamp: Date.now(),
    });
    expect(await call(fleet.instances[2]!.url, good)).toBe(429);
  });
});
