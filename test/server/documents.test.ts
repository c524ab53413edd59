import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPkcs12 } from '@payauth/client/keys';
import { createClientAssertion, formatHmacHeader, HMAC_REJECTION_BODY } from '@payauth/core';
import vectors from '@payauth/core/vectors.json' with { type: 'json' };
import type { DemoCredentials } from '@payauth/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, freePort, startPayauth, waitForOutput } from '../support/servers.ts';

// Each document's own example, run against a real `payauth serve --demo` process (the same command `npm start`
// runs, on a free port and a temporary store), with a fresh timestamp where the document has one.
let serve: CliProcess;
let base: string;
let directory: string;
let demo: DemoCredentials;
const issued: string[] = [];

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'payauth-documents-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  serve = startPayauth(['serve', '--demo', '--port', String(port), '--store', join(directory, 'payauth.db')]);
  await waitForOutput(serve, (out) => out.includes(base) && out.includes('pfx '));
  demo = JSON.parse(readFileSync(join(directory, 'payauth-demo', 'credentials.json'), 'utf8'));
  expect((await fetch(`${base}/health`)).status).toBe(200);
});

afterAll(async () => {
  if (serve.child.exitCode === null) serve.child.kill('SIGTERM');
  await serve.exited;
});

describe("each document's example against payauth serve --demo", () => {
  it('000/001 API-money: GET /api/accounts with the AUTH header returns the two documented accounts', async () => {
    const v = vectors.hmac[0]!;
    const header = formatHmacHeader({
      accessKey: v.accessKey,
      secretKey: v.secretKey,
      timestamp: Date.now(),
    });
    const response = await fetch(`${base}/api/accounts`, { headers: { Authorization: header } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(vectors.hmacAccounts.accounts);
    // The document's own header, with its 2023 timestamp: the documented 1002 answer.
    const stale = await fetch(`${base}/api/accounts`, { headers: { Authorization: v.header } });
    expect(stale.status).toBe(401);
    expect(await stale.text()).toBe(HMAC_REJECTION_BODY);
  });

  it('002 Fondy: the documented request (with the demo secret) returns {request_id, token, expires_in: 3602}', async () => {
    const { signAppToken } = await import('@payauth/core');
    const date = new Date().toISOString().slice(0, 19).replace('T', ' ');
    const body = `{\n "application_id": "1234",\n "date": "${date}",\n "signature": "${signAppToken({ secretKey: demo['app-token'].secretKey, applicationId: '1234', date })}"\n}`;
    const response = await fetch(`${base}/authorizer/token/application/get`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    const json = (await response.json()) as { request_id: string; token: string; expires_in: number };
    expect(Object.keys(json)).toEqual(['request_id', 'token', 'expires_in']);
    expect(json.request_id).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(json.expires_in).toBe(3602);
    issued.push(json.token);
    const accounts = await fetch(`${base}/api/accounts`, {
      headers: { Authorization: `Bearer ${json.token}` },
    });
    expect(accounts.status).toBe(200);
    // The document's exact body was signed with a secret it does not publish: the documented 403.
    const documented = await fetch(`${base}/authorizer/token/application/get`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(vectors.appTokenDocument.request),
    });
    expect(documented.status).toBe(403);
    const error = (await documented.json()) as Record<string, unknown>;
    expect(error).toEqual({
      error_code: 403,
      error_message: 'Incorrect signature',
      request_id: error.request_id,
    });
  });

  it('003 eMoney: the C# example (pfx, no jti, one hour, scope API) gets a token and lists users with the apikey', async () => {
    const pkj = demo['private-key-jwt'];
    const { privateKey, certificate } = loadPkcs12(readFileSync(pkj.pfxPath), pkj.pfxPassword);
    const example = vectors.privateKeyJwt.csharpExample;
    const assertion = createClientAssertion({
      clientId: pkj.clientId,
      privateKey,
      certificate: certificate!,
      audience: pkj.tokenEndpoint,
      lifetimeSeconds: example.lifetimeSeconds,
      jti: false,
    });
    const response = await fetch(`${base}${example.tokenPath}`, {
      method: 'POST',
      body: new URLSearchParams({ ...example.form, client_assertion: assertion }),
    });
    expect(response.status).toBe(200);
    const json = (await response.json()) as Record<string, unknown>;
    expect(json).toEqual({
      access_token: json.access_token,
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'API',
    });
    issued.push(String(json.access_token));
    const users = await fetch(`${base}${example.resourcePath}`, {
      headers: { Authorization: `Bearer ${json.access_token}`, apikey: pkj.apiKey },
    });
    expect(users.status).toBe(200);
    expect(Array.isArray(await users.json())).toBe(true);
    // The same assertion again: replayed.
    const again = await fetch(`${base}${example.tokenPath}`, {
      method: 'POST',
      body: new URLSearchParams({ ...example.form, client_assertion: assertion }),
    });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: string }).error).toBe('invalid_client');
  });

  it("004 WakaPay: the document's fetch example, then the balance with the Bearer token", async () => {
    const response = await fetch(`${base}/business/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiKey: 'your_api_key', apiSecret: 'your_api_secret' }),
    });
    const data = (await response.json()) as { accessToken: string; expiresIn: number };
    expect(response.status).toBe(200);
    expect(Object.keys(data)).toEqual(['accessToken', 'expiresIn']);
    expect(data.accessToken).toMatch(/^eyJ/);
    expect(data.expiresIn).toBe(3600);
    issued.push(data.accessToken);
    const balance = await fetch(`${base}/business/balance?currency=USD`, {
      headers: { Authorization: `Bearer ${data.accessToken}` },
    });
    expect(balance.status).toBe(200);
    expect(await balance.json()).toEqual({ currency: 'USD', balance: '1250.00' });
  });

  it('SIGTERM drains and exits 0; no secret or token in the log, no secret in the store files', async () => {
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    const secrets = [
      demo.hmac.secretKey,
      demo['app-token'].secretKey,
      demo['api-key'].apiSecret,
      demo['private-key-jwt'].apiKey,
      demo['private-key-jwt'].pfxPassword,
    ];
    expect(issued.length).toBeGreaterThanOrEqual(3);
    // The log is stderr (pino JSON); stdout only announces the URL and, with --demo, prints the demo values on purpose.
    for (const value of [...secrets, ...issued]) expect(serve.stderr).not.toContain(value);
    expect(serve.stderr).toContain('auth.rejected');
    for (const file of readdirSync(directory).filter((f) => f.startsWith('payauth.db'))) {
      const bytes = readFileSync(join(directory, file));
      for (const value of [...secrets, ...issued]) {
        expect(bytes.includes(Buffer.from(value)), `${value.slice(0, 6)}… in ${file}`).toBe(false);
      }
    }
  });
});
