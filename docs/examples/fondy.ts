// Fondy (app-token): a token from the signed request, then a call with it. Run against `npm start`:
//   node docs/examples/fondy.ts
import { createClient, fondy } from '@payauth/client';

const client = createClient(
  fondy({
    applicationId: process.env.PAYAUTH_APPLICATION_ID ?? '1234',
    secretKey: process.env.PAYAUTH_SECRET_KEY ?? 'fondy-demo-secret-1234',
    baseUrl: process.env.PAYAUTH_BASE_URL ?? 'http://127.0.0.1:8080',
  }),
);
console.log(JSON.stringify(await client.json('/api/accounts')));
