const REQUEST_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Random bytes are drawn 4 KiB at a time: one call to the CSPRNG per 256 request ids, not 16 per id. WebCrypto's
// `getRandomValues`, not node:crypto, so that the fetch and Hono adapters load on every runtime (docs/runtimes.md).
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

/** A 16-character request id, the shape of Fondy's `request_id` (62 symbols; the modulo bias is irrelevant here). */
export function createRequestId(): string {
  if (poolOffset + 16 > pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  let id = '';
  for (let i = 0; i < 16; i++) id += REQUEST_ID_ALPHABET[pool[poolOffset + i]! % 62];
  poolOffset += 16;
  return id;
}
