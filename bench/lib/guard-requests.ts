// The requests the loop measurements feed a guard: the shapes wrk sends (three headers), with the demo's credentials.
// Values only: the functions of a checkout (its `formatHmacHeader`, its payauth instance) come from the caller, so
// that bench/compare-trees.ts can build the same requests for two checkouts.
import type { formatHmacHeader } from '@payauth/core';
import type { Payauth } from '@payauth/server';

/** How many distinct hmac headers a pool holds (each stays valid for the 5-minute window). */
export const POOL_SIZE = 2000;

/** The raw header list wrk sends, with this Authorization value. */
export function rawRequest(authorization: string): string[] {
  return ['Host', '127.0.0.1:18199', 'Authorization', authorization, 'User-Agent', 'wrk'];
}

/** {@link POOL_SIZE} raw requests, each with a freshly signed hmac header of the demo credential. */
export function hmacRequests(
  format: typeof formatHmacHeader,
  demo: { accessKey: string; secretKey: string },
): string[][] {
  const now = Date.now();
  return Array.from({ length: POOL_SIZE }, (_, index) =>
    rawRequest(format({ accessKey: demo.accessKey, secretKey: demo.secretKey, timestamp: now - index })),
  );
}

/** A `Bearer …` value for the demo api-key credential, issued by the instance's own `/business/auth` route. */
export async function demoBearer(payauth: Pick<Payauth, 'routes' | 'demo'>): Promise<string> {
  const route = payauth.routes.find((candidate) => candidate.path === '/business/auth')!;
  const credentials = payauth.demo!['api-key'];
  const issued = await route.handle({
    method: 'POST',
    path: '/business/auth',
    headers: { 'content-type': 'application/json' },
    query: {},
    address: '127.0.0.1',
    requestId: 'AAAAAAAAAAAAAAAA',
    body: JSON.stringify({ apiKey: credentials.apiKey, apiSecret: credentials.apiSecret }),
  });
  return `Bearer ${JSON.parse(issued.body).accessToken as string}`;
}
