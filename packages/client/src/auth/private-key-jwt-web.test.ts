// The eMoney strategy as web runtimes run it: `#keys` resolved to the WebCrypto loader (keys/web.ts), the .pfx or PEM
// imported when the first token is needed, the assertion signed by signClientAssertion. A token endpoint stand-in
// checks every assertion with core's verifier, as the server does.
import { readFileSync } from 'node:fs';
import {
  decodeClientAssertion,
  KeyMaterialError,
  registerCertificate,
  verifyClientAssertion,
} from '@payauth/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTestCertificate,
  exportPkcs12,
  type TestCertificate,
} from '../../../../test/support/certificates.ts';

vi.mock('#keys', () => import('../keys/web.ts'));

const { createClient } = await import('../client.ts');
const { privateKeyJwt } = await import('./private-key-jwt.ts');

const BASE = 'https://api.example.test';
const TOKEN_URL = `${BASE}/connect/token`;

let pair: TestCertificate;
let pfx: Uint8Array;
beforeAll(() => {
  pair = createTestCertificate();
  pfx = new Uint8Array(readFileSync(exportPkcs12(pair, 'pfx-password', 'aes')));
});

/** A token endpoint that verifies each client assertion and answers with a token, and a resource that wants it. */
function endpoint() {
  const assertions: string[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    if (String(input) === TOKEN_URL) {
      const form = new URLSearchParams(String(init?.body));
      const assertion = form.get('client_assertion')!;
      assertions.push(assertion);
      verifyClientAssertion(
        decodeClientAssertion(assertion),
        { clientId: 'client-1', certificates: [registerCertificate(pair.certificate)] },
        { audiences: [TOKEN_URL], now: Date.now() },
      );
      return Response.json({ access_token: `token-${assertions.length}`, expires_in: 300 });
    }
    const authorized = new Headers(init?.headers).get('authorization') === 'Bearer token-1';
    return new Response(null, { status: authorized ? 200 : 401 });
  };
  return { fetch, assertions };
}

describe('privateKeyJwt on the web key loader', () => {
  it('imports a .pfx with its password on first use, and signs assertions the verifier accepts', async () => {
    const { fetch, assertions } = endpoint();
    const client = createClient({
      baseUrl: BASE,
      fetch,
      auth: privateKeyJwt({ clientId: 'client-1', apiKey: 'api-key-1', pfx, password: 'pfx-password' }),
    });
    expect((await client('/public/v1/users')).status).toBe(200);
    expect(assertions).toHaveLength(1);
    expect(decodeClientAssertion(assertions[0]).header.kid).toHaveLength(27);
  });

  it('reads PEM, and names the key by its certificate before anything is imported', async () => {
    const { fetch } = endpoint();
    const auth = privateKeyJwt({
      clientId: 'client-1',
      apiKey: 'api-key-1',
      pem: { key: pair.keyPem, certificate: pair.certificatePem },
    });
    expect(JSON.stringify(auth)).toContain('"kid"');
    const client = createClient({ baseUrl: BASE, fetch, auth });
    expect((await client('/public/v1/users')).status).toBe(200);
  });

  it('a wrong password rejects the first request with a KeyMaterialError that does not echo it', async () => {
    const { fetch, assertions } = endpoint();
    const client = createClient({
      baseUrl: BASE,
      fetch,
      auth: privateKeyJwt({ clientId: 'client-1', apiKey: 'api-key-1', pfx, password: 'not-the-password' }),
    });
    const error = await client('/public/v1/users').catch((caught) => caught);
    expect(error).toBeInstanceOf(KeyMaterialError);
    expect(error.message).not.toContain('not-the-password');
    expect(assertions).toHaveLength(0);
  });

  it('still checks at construction what needs no key: a PEM without certificate nor kid', () => {
    expect(() => privateKeyJwt({ clientId: 'c', apiKey: 'a', pem: { key: pair.keyPem } })).toThrow(
      /certificate/,
    );
    expect(() => privateKeyJwt({ clientId: 'c', apiKey: 'a', pfx })).toThrow(/password/);
  });
});
