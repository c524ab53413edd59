import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { promisify } from 'node:util';
import { type KeyMaterial, loadPkcs12 } from '@payauth/client/keys';
import { createClientAssertion, formatHmacHeader, signAccessToken } from '@payauth/core';
import vectors from '@payauth/core/vectors.json' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextOf } from '../../packages/server/src/payauth.ts';
import { ROOT, startTestServer, type TestServer } from '../support/servers.ts';

// Issue 11, "Standards": what third-party clients ran into.

let t: TestServer;
let key: KeyMaterial;
beforeAll(async () => {
  t = await startTestServer({ hints: true });
  key = loadPkcs12(readFileSync(t.demo['private-key-jwt'].pfxPath), t.demo['private-key-jwt'].pfxPassword);
});
afterAll(() => t.close());

const assertion = () =>
  createClientAssertion({
    clientId: t.demo['private-key-jwt'].clientId,
    privateKey: key.privateKey,
    certificate: key.certificate!,
    audience: t.demo['private-key-jwt'].tokenEndpoint,
  });

function tokenRequest(extra: Array<[string, string]>): Promise<Response> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion(),
    scope: 'API',
  });
  for (const [name, value] of extra) form.append(name, value);
  return fetch(`${t.url}/connect/token`, { method: 'POST', body: form });
}

describe('RFC 6749 §3.2 at /connect/token', () => {
  it("ignores unrecognized parameters: MSAL's eight and openid-client's resource", async () => {
    const response = await tokenRequest([
      ['x-client-SKU', 'msal.js.node'],
      ['x-client-VER', '7.2.3'],
      ['x-client-OS', 'linux'],
      ['x-client-CPU', 'x64'],
      ['x-ms-lib-capability', 'retry-after, h429'],
      ['x-client-current-telemetry', '5|771,2,,,|,'],
      ['x-client-last-telemetry', '5|0|||0,0'],
      ['client-request-id', '6f7c2d1e-0000-4000-8000-000000000000'],
      ['resource', 'https://api.example.com'],
    ]);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: 'Bearer', scope: 'API' });
  });

  it('still refuses a repeated parameter, known or not (§3.1)', async () => {
    for (const repeated of [
      [
        ['scope', 'API'],
        ['resource', 'a'],
      ],
      [
        ['resource', 'a'],
        ['resource', 'b'],
      ],
    ] as Array<Array<[string, string]>>) {
      const response = await tokenRequest(repeated);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
  });
});

describe('RFC 9068 audiences in the Bearer guard', () => {
  it('refuses a token signed by the server whose aud is another mechanism’s, whatever its mechanism claim', async () => {
    const context = t.server.payauth;
    const signing = (await contextOf(context).store.listSigningKeys()).find(
      (record) => record.retiredAt === undefined,
    )!;
    const { createPrivateKey } = await import('node:crypto');
    const privateKey = createPrivateKey(
      contextOf(context).envelope.open(signing.privateKeyCiphertext, `signing-key/${signing.kid}`),
    );
    const pkj = t.demo['private-key-jwt'];
    const credential = (await contextOf(context).store.findCredential('private-key-jwt', pkj.clientId))!;
    const forge = (aud: string) =>
      signAccessToken(
        {
          iss: t.url,
          aud,
          sub: credential.id,
          client_id: pkj.clientId,
          partner: credential.partnerId,
          mechanism: 'private-key-jwt',
        },
        600,
        { kid: signing.kid, privateKey },
        Date.now(),
      ).token;
    const users = (token: string) =>
      fetch(`${t.url}/public/v1/users`, {
        headers: { authorization: `Bearer ${token}`, apikey: pkj.apiKey },
      });
    expect((await users(forge(`${t.url}/private-key-jwt`))).status).toBe(200);
    for (const aud of [`${t.url}/api-key`, `${t.url}/app-token`, t.url]) {
      const response = await users(forge(aud));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('invalid_token');
    }
  });
});

describe('the sandbox hint reads a UTF-8 Authorization header that Node handed over as latin1', () => {
  it('names the pasted ’ as payauth doctor does', async () => {
    const vector = vectors.hmac[0]!;
    const signed = formatHmacHeader({
      accessKey: vector.accessKey,
      secretKey: vector.secretKey,
      timestamp: Date.now(),
      version: '1',
    });
    // The document's curl, copied from a page that turned a quote into ’ at the end of the header.
    const header = `${signed}’`;
    const hint = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(
        `${t.url}/api/accounts`,
        // Node writes a header string as latin1: this sends the UTF-8 bytes of ’ (E2 80 99), as curl does.
        { headers: { authorization: Buffer.from(header, 'utf8').toString('latin1') } },
        (response) => {
          response.resume();
          resolve(String(response.headers['payauth-hint'] ?? ''));
        },
      );
      request.on('error', reject);
      request.end();
    });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [`${ROOT}packages/cli/src/bin.ts`, 'doctor', 'hmac', '--header', header, '--json'],
      { encoding: 'utf8' },
    ).catch((error: { stdout: string }) => error);
    const doctor = JSON.parse(stdout) as { findings: Array<{ code: string; severity: string }> };
    const firstError = doctor.findings.find((finding) => finding.severity === 'error');
    expect(firstError?.code).toBe('TYPOGRAPHIC_CHARACTERS');
    expect(hint).toMatch(/Typographic characters \(U\+2019\)/);
    expect(hint).not.toMatch(/64 lowercase hex/);
  });
});

describe('the demo key', () => {
  it('is PKCS#8, as docs/providers/private-key-jwt.md says: WebCrypto imports it', async () => {
    const pem = readFileSync(t.demo['private-key-jwt'].keyPath, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\r?\n/);
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const imported = await crypto.subtle.importKey(
      'pkcs8',
      der,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    expect(imported.type).toBe('private');
  });
});
