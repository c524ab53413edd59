import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPayauth, startTestServer, type TestServer } from '../support/servers.ts';

// A running server sees credentials created, rotated and revoked by another process (the CLI) on the same store,
// without a restart. SPEC.md asks for 5 s; the resolver polls the store's change counter every 500 ms.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ pollIntervalMs: 500, keyReloadIntervalMs: 200 });
});
afterAll(() => t.close());

async function authenticate(apiKey: string, apiSecret: string): Promise<number> {
  const response = await fetch(`${t.url}/business/auth`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiKey, apiSecret }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function timeUntil(condition: () => Promise<boolean>, limitMs = 5000): Promise<number> {
  const start = performance.now();
  while (!(await condition())) {
    if (performance.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - start;
}

describe('credentials changed by another process reach the running server', () => {
  it('create → usable, rotate → both secrets during the overlap, revoke → refused within 5 s', async () => {
    const created = await runPayauth([
      'credentials',
      'create',
      'api-key',
      '--store',
      t.storePath,
      '--partner',
      'acme',
      '--json',
    ]);
    expect(created.code).toBe(0);
    const credential = JSON.parse(created.stdout) as { apiKey: string; apiSecret: string; id: string };
    expect(Object.keys(credential)).toEqual(expect.arrayContaining(['apiKey', 'apiSecret']));
    const seenAfterCreate = await timeUntil(
      async () => (await authenticate(credential.apiKey, credential.apiSecret)) === 200,
    );

    const rotated = await runPayauth([
      'credentials',
      'rotate',
      credential.id,
      '--store',
      t.storePath,
      '--overlap',
      '3600',
      '--json',
    ]);
    expect(rotated.code).toBe(0);
    const next = JSON.parse(rotated.stdout) as { apiSecret: string };
    expect(next.apiSecret).not.toBe(credential.apiSecret);
    await timeUntil(async () => (await authenticate(credential.apiKey, next.apiSecret)) === 200);
    expect(await authenticate(credential.apiKey, credential.apiSecret)).toBe(200);

    const revoked = await runPayauth([
      'credentials',
      'revoke',
      credential.apiKey,
      '--store',
      t.storePath,
      '--json',
    ]);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ status: 'revoked', mechanism: 'api-key' });
    const refusedAfter = await timeUntil(
      async () => (await authenticate(credential.apiKey, next.apiSecret)) === 401,
    );
    console.info(
      `credential propagation: create seen after ${seenAfterCreate.toFixed(0)} ms, revoke refused after ${refusedAfter.toFixed(0)} ms (limit 5000)`,
    );
    expect(refusedAfter).toBeLessThan(5000);
  });

  it('a token issued before a revocation stops working too', async () => {
    const created = JSON.parse(
      (await runPayauth(['credentials', 'create', 'api-key', '--store', t.storePath, '--json'])).stdout,
    ) as { apiKey: string; apiSecret: string };
    await timeUntil(async () => (await authenticate(created.apiKey, created.apiSecret)) === 200);
    const { accessToken } = (await (
      await fetch(`${t.url}/business/auth`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(created),
      })
    ).json()) as { accessToken: string };
    const balance = () =>
      fetch(`${t.url}/business/balance?currency=USD`, {
        headers: { Authorization: `Bearer ${accessToken}` },
      }).then((r) => r.status);
    expect(await balance()).toBe(200);
    await runPayauth(['credentials', 'revoke', created.apiKey, '--store', t.storePath]);
    await timeUntil(async () => (await balance()) === 401);
  });

  it('list shows public ids only, never a secret', async () => {
    const created = JSON.parse(
      (await runPayauth(['credentials', 'create', 'hmac', '--store', t.storePath, '--json'])).stdout,
    ) as {
      accessKey: string;
      secretKey: string;
      version: string;
    };
    expect(created.version).toBe('1');
    const listed = await runPayauth(['credentials', 'list', '--store', t.storePath, '--json']);
    expect(listed.stdout).toContain(created.accessKey);
    expect(listed.stdout).not.toContain(created.secretKey);
  });
});

describe('token-signing key rotation by the CLI', () => {
  it('new tokens carry the new kid, old tokens keep working, the JWKS lists both', async () => {
    const kidOf = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;
    const issue = async () =>
      (
        (await (
          await fetch(`${t.url}/business/auth`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(t.demo['api-key']),
          })
        ).json()) as { accessToken: string }
      ).accessToken;
    const before = await issue();
    const rotated = await runPayauth(['keys', 'rotate', '--store', t.storePath, '--json']);
    expect(rotated.code).toBe(0);
    const { kid } = JSON.parse(rotated.stdout) as { kid: string };
    await timeUntil(async () => kidOf(await issue()) === kid);
    const balance = await fetch(`${t.url}/business/balance?currency=USD`, {
      headers: { Authorization: `Bearer ${before}` },
    });
    expect(balance.status).toBe(200);
    const jwks = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as {
      keys: Array<{ kid: string; alg: string }>;
    };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kidOf(before), kid]));
    expect(jwks.keys.every((k) => k.alg === 'EdDSA')).toBe(true);
    const listed = await runPayauth(['keys', 'list', '--store', t.storePath, '--json']);
    expect(
      (JSON.parse(listed.stdout) as Array<{ kid: string; retiredAt?: string }>)
        .filter((k) => !k.retiredAt)
        .map((k) => k.kid),
    ).toEqual([kid]);
  });
});
