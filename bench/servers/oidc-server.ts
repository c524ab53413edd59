// panva's oidc-provider configured for client_credentials + private_key_jwt, for the same client and certificate
// as payauth's demo: the peer of the token-endpoint benchmark.
import { readFileSync } from 'node:fs';
import { loadPkcs12 } from '@payauth/client';
import { createOidcProvider } from '../../test/support/peers.ts';

const [portText, pfxPath, password, clientId] = process.argv.slice(2);
const port = Number(portText);
const provider = createOidcProvider(
  `http://127.0.0.1:${port}`,
  loadPkcs12(readFileSync(pfxPath!), password!),
  clientId!,
);
const server = provider.listen(port, () =>
  console.log(
    JSON.stringify({ url: `http://127.0.0.1:${port}`, tokenEndpoint: `http://127.0.0.1:${port}/token` }),
  ),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
