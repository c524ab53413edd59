import type * as NodeCrypto from 'node:crypto';

/** Digest algorithms the mechanisms use: SHA-1 (x5t thumbprints), SHA-256 and SHA-512 (Fondy's signature). */
export type DigestAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** How a digest is written out. */
export type DigestEncoding = 'hex' | 'base64url';

/**
 * A prepared HMAC-SHA256 key: a node:crypto `KeyObject` on Node, Bun and Deno; elsewhere an opaque object holding the
 * pure-JavaScript HMAC state. Structural, so that no `node:crypto` type is needed to name it (as jose's `KeyLike`).
 */
export interface HmacKey {
  readonly type: string;
}

/**
 * What core needs from the runtime, synchronously. Two implementations, chosen by the `#platform` import map in
 * core's package.json: `node.ts` (node:crypto, for Node, Bun and Deno) and `web.ts` (web standards and
 * @noble/hashes, for workerd, edge runtimes and browsers).
 */
export interface Platform {
  /** Which implementation this is. */
  readonly name: 'node' | 'web';
  /** `encoding` of the digest of `data` (text is hashed as UTF-8). */
  digest(algorithm: DigestAlgorithm, data: string | Uint8Array, encoding: DigestEncoding): string;
  /** Prepares an HMAC-SHA256 key from a UTF-8 secret. */
  createHmacKey(secret: string): HmacKey;
  /** Lowercase hex HMAC-SHA256 of `message` (UTF-8) under `key` (a secret, a prepared key or a KeyObject). */
  hmacSha256Hex(key: string | HmacKey, message: string): string;
  /** Unpadded base64url of text (UTF-8) or bytes. */
  encodeBase64url(input: string | Uint8Array): string;
  /** The bytes of base64url text already checked to be canonical. */
  decodeBase64url(input: string): Uint8Array;
  /** UTF-8 bytes of text. */
  encodeUtf8(text: string): Uint8Array;
  /** Text of UTF-8 bytes (invalid sequences replaced). */
  decodeUtf8(bytes: Uint8Array): string;
  /** `length` random bytes from the platform's CSPRNG, as base64url. */
  randomBase64url(length: number): string;
  /**
   * node:crypto, for the operations that take its KeyObjects and X509Certificates (the server's token signing and
   * verification, assertion verification). Throws a {@link PlatformError} where the runtime has none.
   */
  nodeCrypto(): typeof NodeCrypto;
}

/** The implementation the `#platform` import map chose (the `types` condition names this declaration). */
export declare const platform: Platform;
