import { platform } from '#platform';
import type { DigestAlgorithm, DigestEncoding } from '../platform/types.ts';

export type { DigestAlgorithm, DigestEncoding } from '../platform/types.ts';

/**
 * A synchronous digest on every runtime: node:crypto's one-shot `hash` on Node, Bun and Deno, @noble/hashes where
 * only web standards exist (WebCrypto's `digest` is asynchronous). Text is hashed as UTF-8.
 *
 * @example
 * ```ts
 * computeDigest('sha256', 'abc', 'hex') // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 * ```
 */
export function computeDigest(
  algorithm: DigestAlgorithm,
  data: string | Uint8Array,
  encoding: DigestEncoding,
): string {
  return platform.digest(algorithm, data, encoding);
}
