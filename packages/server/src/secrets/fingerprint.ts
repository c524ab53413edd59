import { createHmac, type KeyObject } from 'node:crypto';

/** Fingerprints kept in memory at most (a cache: the same unknown id tried again costs a map lookup). */
const CACHE_LIMIT = 10_000;

/**
 * A keyed fingerprint of a public id, safe to log, audit and use as a key in shared state: `fp_` and the first 12
 * base64url characters (72 bits) of HMAC-SHA256 under a key derived from the master key. The same id always gives
 * the same fingerprint on every instance sharing the master key, so an operator can still follow one caller; nobody
 * without the master key can tell what was typed (a secret pasted in the key's place).
 *
 * @example
 * ```ts
 * const fingerprint = createIdFingerprint(envelope.deriveKey('public-id-fingerprint'))
 * fingerprint('E0!oYfVpA6-noiqGr-pT7AJ2ybT4r7lx') // 'fp_…12 characters…'
 * ```
 */
export function createIdFingerprint(key: KeyObject): (id: string) => string {
  let cache = new Map<string, string>();
  return function fingerprint(id) {
    const known = cache.get(id);
    if (known !== undefined) return known;
    const value = `fp_${createHmac('sha256', key).update(id, 'utf8').digest('base64url').slice(0, 12)}`;
    if (cache.size >= CACHE_LIMIT) cache = new Map();
    cache.set(id, value);
    return value;
  };
}
