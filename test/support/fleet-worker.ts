// One process of the fleet test: a client with a Redis token store, calling at agreed moments.
import { createClient, RedisTokenStore, wakapay } from '@payauth/client';
import { Redis } from 'ioredis';

const [baseUrl, redisUrl, prefix, apiKey, apiSecret, ...moments] = process.argv.slice(2);
const redis = new Redis(redisUrl!);
const client = createClient({
  ...wakapay({ apiKey: apiKey!, apiSecret: apiSecret!, baseUrl: baseUrl!, renewMarginMs: 1000 }),
  tokenStore: new RedisTokenStore(redis, { prefix }),
});
const statuses: number[] = [];
for (const moment of moments) {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(moment) - Date.now())));
  const response = await client.get('/business/balance?currency=USD');
  statuses.push(response.status);
  await response.arrayBuffer();
}
console.log(JSON.stringify({ statuses, tokenRequests: client.auth.tokenRequests }));
redis.disconnect();
