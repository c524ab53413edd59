// API-money (hmac): list the partner's accounts. Run against `npm start`:
//   node docs/examples/api-money.ts
import { apiMoney, createClient } from '@payauth/client';

const client = createClient(
  apiMoney({
    accessKey: process.env.PAYAUTH_ACCESS_KEY ?? 'k1rXpphkRG!2-Fox',
    secretKey: process.env.PAYAUTH_SECRET_KEY ?? 'E0!oYfVpA6-noiqGr-pT7AJ2ybT4r7lx',
    baseUrl: process.env.PAYAUTH_BASE_URL ?? 'http://127.0.0.1:8080',
  }),
);
console.log(JSON.stringify(await client.json('/api/accounts')));
