// eMoney (private-key-jwt): a client assertion signed with the key in a password-protected .pfx, exchanged for a
// token, then GET /public/v1/users with the Bearer token and the apikey header. Run against `npm start`:
//   node docs/examples/emoney.ts
import { readFileSync } from 'node:fs';
import { createClient, emoney } from '@payauth/client';

const client = createClient(
  emoney({
    clientId: process.env.PAYAUTH_CLIENT_ID ?? 'emoney-demo-client',
    apiKey: process.env.PAYAUTH_API_KEY ?? 'emoney-demo-api-key',
    pfx: readFileSync(process.env.PAYAUTH_PFX ?? 'payauth-demo/emoney-client.pfx'),
    password: process.env.PAYAUTH_PFX_PASSWORD ?? 'demo-password',
    baseUrl: process.env.PAYAUTH_BASE_URL ?? 'http://127.0.0.1:8080',
  }),
);
console.log(JSON.stringify(await client.json('/public/v1/users')));
