import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vectors from '@payauth/core/vectors.json' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPayauth, startTestServer, type TestServer } from '../support/servers.ts';

const v = vectors.hmac[0]!;

describe('payauth sign (SPEC.md contract)', () => {
  it('prints the document header for the document vector', async () => {
    const result = await runPayauth([
      'sign',
      'hmac',
      '--access-key',
      v.accessKey,
      '--secret-key',
      v.secretKey,
      '--timestamp',
      String(v.timestamp),
    ]);
    expect(result).toMatchObject({ code: 0, stdout: `${v.header}\n` });
  });

  it('reads the secret from the environment, out of shell history', async () => {
    const result = await runPayauth(
      ['sign', 'hmac', '--access-key', v.accessKey, '--timestamp', String(v.timestamp)],
      {
        env: { PAYAUTH_SECRET_KEY: v.secretKey },
      },
    );
    expect(result.stdout.trim()).toBe(v.header);
  });

  it('prints the app-token body for each vector', async () => {
    for (const vector of vectors.appToken) {
      const result = await runPayauth([
        'sign',
        'app-token',
        '--application-id',
        vector.applicationId,
        '--secret-key',
        vector.secretKey,
        '--date',
        vector.date,
      ]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({
        application_id: vector.applicationId,
        date: vector.date,
        signature: vector.signature,
      });
    }
  });

  it('exit code 2 and one line for usage errors, no stack trace', async () => {
    for (const args of [
      ['sign', 'hmac', '--access-key', 'k'],
      ['sign', 'hmac', '--access-key', 'k', '--secret-key', 's', '--timestamp', 'now'],
      ['sign', 'app-token', '--application-id', 'x'.repeat(21), '--secret-key', 's'],
      ['nope'],
      ['doctor', 'hmac', '--header', 'x', '--lang', 'de'],
    ]) {
      const result = await runPayauth(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await runPayauth(['--help'])).code).toBe(0);
  });
});

describe('payauth doctor', () => {
  it('names the cause, in English and French; exit 1 when rejected, 0 when valid', async () => {
    const seconds = `AUTH ${v.accessKey}:${Math.floor(Date.now() / 1000)}:1:${v.sign}`;
    const en = await runPayauth(['doctor', 'hmac', '--header', seconds, '--json']);
    expect(en.code).toBe(1);
    expect(JSON.parse(en.stdout).findings.map((f: { code: string }) => f.code)).toContain(
      'TIMESTAMP_IN_SECONDS',
    );
    const fr = await runPayauth(['doctor', 'hmac', '--header', seconds, '--lang', 'fr']);
    expect(fr.stdout).toContain('millisecondes');
    const valid = await runPayauth([
      'doctor',
      'hmac',
      '--header',
      v.header,
      '--secret-key',
      v.secretKey,
      '--now',
      String(v.timestamp),
    ]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('VALID');
    expect(valid.stdout).not.toContain(v.secretKey);
  });
});

describe('payauth against a running server: credentials, assertion, token, call', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('assertion from the .pfx, then doctor private-key-jwt says it is valid', async () => {
    const pkj = t.demo['private-key-jwt'];
    const assertion = await runPayauth(
      ['assertion', '--client-id', pkj.clientId, '--pfx', pkj.pfxPath, '--aud', pkj.tokenEndpoint],
      {
        env: { PAYAUTH_PFX_PASSWORD: pkj.pfxPassword },
      },
    );
    expect(assertion.code).toBe(0);
    const jwt = assertion.stdout.trim();
    const doctor = await runPayauth([
      'doctor',
      'private-key-jwt',
      '--assertion',
      jwt,
      '--cert',
      pkj.certificatePath,
      '--aud',
      pkj.tokenEndpoint,
      '--client-id',
      pkj.clientId,
    ]);
    expect(doctor.code).toBe(0);
    const wrongAud = await runPayauth([
      'doctor',
      'private-key-jwt',
      '--assertion',
      jwt,
      '--cert',
      pkj.certificatePath,
      '--aud',
      'https://signin.emaplan.com/connect/token',
      '--json',
    ]);
    expect(wrongAud.code).toBe(1);
    expect(wrongAud.stdout).toContain('AUDIENCE_MISMATCH');
    const thumbprints = await runPayauth(['thumbprints', '--cert', pkj.certificatePath, '--json']);
    expect(JSON.parse(thumbprints.stdout).x5t).toBe(pkj.kid);
  });

  it('credentials create prints the SPEC.md shapes', async () => {
    const shapes: Record<string, string[]> = {
      hmac: ['accessKey', 'secretKey', 'version'],
      'app-token': ['applicationId', 'secretKey'],
      'api-key': ['apiKey', 'apiSecret'],
    };
    for (const [mechanism, keys] of Object.entries(shapes)) {
      const result = await runPayauth([
        'credentials',
        'create',
        mechanism,
        '--store',
        t.storePath,
        '--partner',
        'cli-test',
        '--json',
      ]);
      expect(result.code).toBe(0);
      expect(Object.keys(JSON.parse(result.stdout))).toEqual(expect.arrayContaining(keys));
    }
    const withCert = await runPayauth([
      'credentials',
      'create',
      'private-key-jwt',
      '--store',
      t.storePath,
      '--cert',
      t.demo['private-key-jwt'].certificatePath,
      '--json',
    ]);
    expect(Object.keys(JSON.parse(withCert.stdout))).toEqual(
      expect.arrayContaining(['clientId', 'apiKey', 'kid']),
    );
    expect(JSON.parse(withCert.stdout).kid).toBe(t.demo['private-key-jwt'].kid);
    const generated = JSON.parse(
      (await runPayauth(['credentials', 'create', 'private-key-jwt', '--store', t.storePath, '--json']))
        .stdout,
    );
    expect(readFileSync(generated.pfxPath).length).toBeGreaterThan(1000);
    expect((await runPayauth(['credentials', 'create', 'nope', '--store', t.storePath])).code).toBe(2);
  });

  it('token and call for each preset', async () => {
    const base = ['--base-url', t.url];
    const pkj = t.demo['private-key-jwt'];
    const wakapay = await runPayauth([
      'token',
      'wakapay',
      ...base,
      '--api-key',
      'your_api_key',
      '--api-secret',
      'your_api_secret',
      '--json',
    ]);
    expect(wakapay.code).toBe(0);
    expect(Object.keys(JSON.parse(wakapay.stdout))).toEqual(['accessToken', 'expiresIn']);
    const emoney = await runPayauth([
      'token',
      'emoney',
      ...base,
      '--client-id',
      pkj.clientId,
      '--api-key',
      pkj.apiKey,
      '--pfx',
      pkj.pfxPath,
      '--password',
      pkj.pfxPassword,
    ]);
    expect(emoney.stdout).toMatch(/^eyJ/);
    const accounts = await runPayauth([
      'call',
      'GET',
      '/api/accounts',
      '--auth',
      'api-money',
      ...base,
      '--access-key',
      v.accessKey,
      '--secret-key',
      v.secretKey,
    ]);
    expect(accounts.code).toBe(0);
    expect(accounts.stdout).toContain('HTTP 200');
    expect(accounts.stdout).toContain('AB-0895358735216643');
    const fondy = await runPayauth([
      'call',
      'GET',
      `${t.url}/api/accounts`,
      '--auth',
      'fondy',
      ...base,
      '--application-id',
      '1234',
      '--secret-key',
      t.demo['app-token'].secretKey,
      '-i',
    ]);
    expect(fondy.stdout).toMatch(/HTTP 200[\s\S]*content-type: application\/json/);
    const refused = await runPayauth([
      'call',
      'GET',
      '/business/balance?currency=USD',
      '--auth',
      'api-key',
      ...base,
      '--api-key',
      'your_api_key',
      '--api-secret',
      'wrong-secret-123',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('invalid credentials');
    expect(refused.stderr).not.toContain('wrong-secret-123');
  });

  it('reads options from a profile file', async () => {
    const file = join(t.directory, 'profiles.json');
    writeFileSync(
      file,
      JSON.stringify({
        local: { auth: 'wakapay', baseUrl: t.url, apiKey: 'your_api_key', apiSecret: 'your_api_secret' },
      }),
    );
    const result = await runPayauth([
      'call',
      'GET',
      '/business/balance?currency=EUR',
      '--auth',
      'wakapay',
      '--profile',
      'local',
      '--profiles',
      file,
    ]);
    expect(result.stdout).toContain('"balance":"310.75"');
  });

  it('audit lists attempts with reason codes and no secret', async () => {
    await t.server.payauth.audit.flush();
    const result = await runPayauth(['audit', '--store', t.storePath, '--json']);
    const events = JSON.parse(result.stdout) as Array<{ reason: string }>;
    expect(events.length).toBeGreaterThan(0);
    expect(result.stdout).not.toContain(v.secretKey);
  });
});
