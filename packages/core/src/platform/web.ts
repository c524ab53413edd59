// The web implementation of core's platform (workerd, edge runtimes, browsers; chosen by the `workerd`, `worker`,
// `browser`, `edge-light` and default conditions of the `#platform` import map): nothing from `node:` is imported.
// Digests and HMAC stay synchronous, as core's API is, through @noble/hashes (audited, pure JavaScript, a few KiB):
// WebCrypto's digests are asynchronous only. Operations on node:crypto KeyObjects (the server's token signing and
// assertion verification) use the runtime's own node:crypto when it offers one without an import
// (`process.getBuiltinModule`: workerd with `nodejs_compat`), and otherwise throw UnsupportedRuntimeError.
import type * as NodeCrypto from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { UnsupportedRuntimeError } from '../errors/errors.ts';
import type { DigestAlgorithm, DigestEncoding, HmacKey, Platform } from './types.ts';

const HASHES = { sha1, sha256, sha512 } as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes. */
function toHex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += HEX[byte];
  return text;
}

/** Unpadded base64url of bytes, through the platform's `btoa` (every web runtime has it). */
function toBase64url(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function encode(digest: Uint8Array, encoding: DigestEncoding): string {
  return encoding === 'hex' ? toHex(digest) : toBase64url(digest);
}

/** An HMAC-SHA256 key prepared once: the inner and outer states after the padded key, cloned per message. */
class PreparedHmacKey implements HmacKey {
  readonly type = 'secret';
  readonly state: ReturnType<typeof hmac.create>;
  constructor(secret: Uint8Array) {
    this.state = hmac.create(sha256, secret);
  }
}

/** Whether `key` is a node:crypto KeyObject (made by the caller's node:crypto, e.g. the server's pepper). */
function isKeyObject(key: object): key is NodeCrypto.KeyObject {
  return typeof (key as { export?: unknown }).export === 'function' && !(key instanceof PreparedHmacKey);
}

/**
 * The HMAC-SHA256 key of `secret`: a KeyObject where the runtime has node:crypto (so that code written for one, such
 * as the server reading a key back with `export()`, keeps working on workerd with `nodejs_compat`), else the
 * pure-JavaScript prepared state.
 */
function createHmacKey(secret: string): HmacKey {
  return builtinNodeCrypto()?.createSecretKey(encoder.encode(secret)) ?? prepareHmacKey(secret);
}

/** The pure-JavaScript prepared HMAC-SHA256 key of `secret`. */
export function prepareHmacKey(secret: string): HmacKey {
  return new PreparedHmacKey(encoder.encode(secret));
}

/** HMAC-SHA256 hex: a KeyObject through the node:crypto it came from, anything else through @noble/hashes. */
function hmacSha256Hex(key: string | HmacKey, message: string): string {
  if (typeof key === 'string') return toHex(hmac(sha256, encoder.encode(key), encoder.encode(message)));
  if (key instanceof PreparedHmacKey)
    return toHex(key.state.clone().update(encoder.encode(message)).digest());
  if (isKeyObject(key))
    return platform.nodeCrypto().createHmac('sha256', key).update(message, 'utf8').digest('hex');
  throw new TypeError('an HMAC key is a string, createHmacKey() or a secret KeyObject');
}

let builtin: typeof NodeCrypto | null | undefined;

/** The runtime's node:crypto without importing it (workerd with nodejs_compat, Node, Bun, Deno), or undefined. */
export function builtinNodeCrypto(): typeof NodeCrypto | undefined {
  if (builtin === undefined) {
    const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    try {
      builtin = (process?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined) ?? null;
    } catch {
      builtin = null;
    }
  }
  return builtin ?? undefined;
}

/** Web standards and @noble/hashes. */
export const platform: Platform = {
  name: 'web',
  digest: (algorithm: DigestAlgorithm, data, encoding) =>
    encode(HASHES[algorithm](typeof data === 'string' ? encoder.encode(data) : data), encoding),
  createHmacKey,
  hmacSha256Hex,
  encodeBase64url: (input) => toBase64url(typeof input === 'string' ? encoder.encode(input) : input),
  decodeBase64url: (input) => {
    const binary = atob(input.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
    return bytes;
  },
  encodeUtf8: (text) => encoder.encode(text),
  decodeUtf8: (bytes) => decoder.decode(bytes),
  randomBase64url: (length) => toBase64url(crypto.getRandomValues(new Uint8Array(length))),
  nodeCrypto: () => {
    const found = builtinNodeCrypto();
    if (found === undefined) {
      throw new UnsupportedRuntimeError(
        'this operation takes node:crypto keys, and this runtime has no node:crypto (on Workers, enable nodejs_compat); to sign a client assertion use signClientAssertion with a CryptoKey',
      );
    }
    return found;
  },
};
