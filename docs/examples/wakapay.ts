// WakaPay (api-key): the token is cached, renewed 60 s before expiry, and fetched again once on a 401 — the
// document's TokenManager, with single-flight. Run against `npm start`:
//   node docs/examples/wakapay.ts
import { createClient, PayauthResponseError, wakapay } from '@payauth/client';

const client = createClient(
  wakapay({
    apiKey: process.env.PAYAUTH_API_KEY ?? 'your_api_key',
    apiSecret: process.env.PAYAUTH_API_SECRET ?? 'your_api_secret',
    baseUrl: process.env.PAYAUTH_BASE_URL ?? 'http://127.0.0.1:8080',
  }),
);
try {
  const [usd, eur] = await Promise.all([
    client.json('/business/balance?currency=USD'),
    client.json('/business/balance?currency=EUR'),
  ]);
  console.log(JSON.stringify({ usd, eur, tokenRequests: client.auth.tokenRequests }));
} catch (error) {
  if (error instanceof PayauthResponseError) console.error(error.status, error.providerMessage);
  process.exitCode = 1;
}
