// The Node implementation of core's platform (Node, Bun and Deno; chosen by the `node` export condition of the
// `#platform` import map): node:crypto and Buffer, the fastest paths measured on Node 24 (FACTS.md, bench/README.md).
// Named imports for the hot calls, as the code before the import map had them (bench/compare-client.ts).
import * as nodeCrypto from 'node:crypto';
import { createHmac, createSecretKey, hash, type KeyObject, randomBytes } from 'node:crypto';
import type { Platform } from './types.ts';

/** node:crypto and Buffer. */
export const platform: Platform = {
  name: 'node',
  digest: (algorithm, data, encoding) => hash(algorithm, data, encoding),
  createHmacKey: (secret) => createSecretKey(Buffer.from(secret, 'utf8')),
  // digest('hex') directly: going through a Buffer and toString('hex') costs ~40 % more per signature.
  hmacSha256Hex: (key, message) =>
    createHmac('sha256', key as string | KeyObject)
      .update(message, 'utf8')
      .digest('hex'),
  encodeBase64url: (input) =>
    (typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
    ).toString('base64url'),
  decodeBase64url: (input) => Buffer.from(input, 'base64url'),
  encodeUtf8: (text) => Buffer.from(text, 'utf8'),
  decodeUtf8: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
  randomBase64url: (length) => randomBytes(length).toString('base64url'),
  nodeCrypto: () => nodeCrypto,
};
