// panva's oidc-provider configured for client_credentials + private_key_jwt, for the same client and certificate
// as payauth's demo: the peer of the token-endpoint benchmark.
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadPkcs12 } from '@payauth/client';
import { computeThumbprints } from '@payauth/core';
import Provider from 'oidc-provider';

const [portText, pfxPath, password, clientId] = process.argv.slice(2);
const port = Number(portText);
const material = loadPkcs12(readFileSync(pfxPath!), password!);
const jwk = {
  ...createPublicKey(material.privateKey).export({ format: 'jwk' }),
  kid: computeThumbprints(material.certificate!).x5t,
  alg: 'RS256',
  use: 'sig',
};
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: clientId!,
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
const server = provider.listen(port, () =>
  console.log(
    JSON.stringify({ url: `http://127.0.0.1:${port}`, tokenEndpoint: `http://127.0.0.1:${port}/token` }),
  ),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
