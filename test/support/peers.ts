import { createPublicKey } from 'node:crypto';
import type { KeyMaterial } from '@payauth/client';
import { computeThumbprints } from '@payauth/core';
import Provider from 'oidc-provider';

/**
 * panva's oidc-provider configured for client_credentials + private_key_jwt with one client whose public key is
 * `material`'s (kid = the certificate's x5t): the real peer of the interop tests and of the token benchmark.
 */
export function createOidcProvider(issuer: string, material: KeyMaterial, clientId: string): Provider {
  const jwk = {
    ...createPublicKey(material.privateKey).export({ format: 'jwk' }),
    kid: computeThumbprints(material.certificate!).x5t,
    alg: 'RS256',
    use: 'sig',
  };
  return new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'RS256',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'API',
        jwks: { keys: [jwk as never] },
      },
    ],
    scopes: ['API'],
    features: { clientCredentials: { enabled: true } },
  });
}

/** POSTs an eMoney token request with `assertion` (the document's form) to `base`'s /connect/token. */
export function requestEmoneyToken(base: string, assertion: string): Promise<Response> {
  return fetch(`${base}/connect/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: 'API',
    }),
  });
}
