import { readFileSync } from 'node:fs';
import { apiKey, appToken, createClient, privateKeyJwt } from '@payauth/client';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/servers.ts';

// panva's oauth4webapi, as a resource server would use it, validates payauth's access tokens per RFC 9068: each token
// mechanism's token is accepted at its own audience (`<issuer>/<mechanism>`, docs/server.md) and refused at the others'.

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const TOKEN_MECHANISMS = ['app-token', 'private-key-jwt', 'api-key'] as const;

async function tokenOf(mechanism: (typeof TOKEN_MECHANISMS)[number]): Promise<string> {
  const demo = t.demo;
  const pkj = demo['private-key-jwt'];
  const auth =
    mechanism === 'app-token'
      ? appToken({ applicationId: demo['app-token'].applicationId, secretKey: demo['app-token'].secretKey })
      : mechanism === 'api-key'
        ? apiKey({ apiKey: demo['api-key'].apiKey, apiSecret: demo['api-key'].apiSecret })
        : privateKeyJwt({
            clientId: pkj.clientId,
            apiKey: pkj.apiKey,
            pfx: readFileSync(pkj.pfxPath),
            password: pkj.pfxPassword,
          });
  const client = createClient({ baseUrl: t.url, auth, retry: false });
  try {
    const authorization = await client.auth.authorize();
    if (!authorization.token) throw new Error(`no token for ${mechanism}`);
    return authorization.token;
  } finally {
    client.close();
  }
}

async function validate(token: string, audience: string): Promise<oauth.JWTAccessTokenClaims> {
  const response = await fetch(`${t.url}/.well-known/oauth-authorization-server`);
  const as = (await response.json()) as oauth.AuthorizationServer;
  const request = new Request(`${t.url}/resource`, { headers: { authorization: `Bearer ${token}` } });
  return oauth.validateJwtAccessToken(as, request, audience, { [oauth.allowInsecureRequests]: true });
}

describe('RFC 9068 access tokens, validated by oauth4webapi', () => {
  for (const mechanism of TOKEN_MECHANISMS) {
    it(`a ${mechanism} token is valid at ${mechanism}'s audience only`, async () => {
      const token = await tokenOf(mechanism);
      const claims = await validate(token, `${t.url}/${mechanism}`);
      expect(claims).toMatchObject({ iss: t.url, aud: `${t.url}/${mechanism}` });
      expect(typeof claims.client_id).toBe('string');
      for (const other of TOKEN_MECHANISMS.filter((name) => name !== mechanism)) {
        await expect(validate(token, `${t.url}/${other}`)).rejects.toThrow(/aud/);
      }
    });
  }
});
