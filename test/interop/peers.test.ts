import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createClient, loadPkcs12, privateKeyJwt } from '@payauth/client';
import { computeThumbprints } from '@payauth/core';
import * as openid from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcProvider } from '../support/peers.ts';
import { freePort, startTestServer, type TestServer } from '../support/servers.ts';

// Real peers nobody here wrote, on loopback: panva's oidc-provider as the token server for payauth's client, and
// panva's openid-client as the client of payauth's server.

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

describe("payauth's privateKeyJwt strategy against oidc-provider", () => {
  let issuer: string;
  let server: Server;
  let grants = 0;

  beforeAll(async () => {
    const pkj = t.demo['private-key-jwt'];
    const material = loadPkcs12(readFileSync(pkj.pfxPath), pkj.pfxPassword);
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    const provider = createOidcProvider(issuer, material, pkj.clientId);
    provider.on('grant.success', () => {
      grants++;
    });
    server = provider.listen(port) as Server;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('obtains a token, caches it, and 50 concurrent cold callers share one grant', async () => {
    const pkj = t.demo['private-key-jwt'];
    const client = createClient({
      baseUrl: issuer,
      auth: privateKeyJwt({
        clientId: pkj.clientId,
        apiKey: pkj.apiKey,
        pfx: readFileSync(pkj.pfxPath),
        password: pkj.pfxPassword,
        tokenEndpoint: `${issuer}/token`,
      }),
    });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.auth.authorize()));
    expect(new Set(tokens.map((a) => a.token)).size).toBe(1);
    expect(tokens[0]!.headers.authorization).toMatch(/^Bearer .+/);
    expect(client.auth.tokenRequests).toBe(1);
    expect(grants).toBe(1);
  });
});

describe("openid-client's PrivateKeyJwt against payauth serve's /connect/token", () => {
  it('discovers the issuer and gets a client_credentials token usable on /public/v1/users', async () => {
    const pkj = t.demo['private-key-jwt'];
    const material = loadPkcs12(readFileSync(pkj.pfxPath), pkj.pfxPassword);
    const key = material.privateKey.toCryptoKey({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    const config = await openid.discovery(
      new URL(t.url),
      pkj.clientId,
      undefined,
      openid.PrivateKeyJwt({ key, kid: computeThumbprints(material.certificate!).x5t }),
      { execute: [openid.allowInsecureRequests] },
    );
    const tokens = await openid.clientCredentialsGrant(config, { scope: 'API' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.scope).toBe('API');
    const users = await fetch(`${t.url}/public/v1/users`, {
      headers: { Authorization: `Bearer ${tokens.access_token}`, apikey: pkj.apiKey },
    });
    expect(users.status).toBe(200);
    // Its assertion carried aud = the issuer and a random jti; replaying is refused by the server, not the peer.
    await expect(openid.clientCredentialsGrant(config, { scope: 'ADMIN' })).rejects.toMatchObject({
      error: 'invalid_scope',
    });
  });
});
