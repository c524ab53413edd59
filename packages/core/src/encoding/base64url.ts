import { platform } from '#platform';

/** Encodes text or bytes as unpadded base64url (RFC 4648 §5). */
export function encodeBase64url(input: string | Uint8Array): string {
  return platform.encodeBase64url(input);
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Decodes strict, canonical, unpadded base64url; returns `undefined` on any other character, an impossible length,
 * or non-zero unused bits in the last character (so that no two texts decode to the same bytes: a JWS whose last
 * character was changed is refused, not silently accepted). The bytes are a Buffer on Node, Bun and Deno.
 */
export function decodeBase64url(input: string): Uint8Array | undefined {
  const rest = input.length % 4;
  if (!BASE64URL.test(input) || rest === 1) return undefined;
  // Canonical: the bits of the last character that encode no byte must be zero (the low 4 bits when 2 characters
  // remain, the low 2 when 3 remain). Checked on that one character instead of re-encoding the whole text to compare.
  if (rest !== 0 && (ALPHABET.indexOf(input[input.length - 1]!) & (rest === 2 ? 0b1111 : 0b11)) !== 0) {
    return undefined;
  }
  return platform.decodeBase64url(input);
}

/**
 * Decodes base64url JSON text's bytes as UTF-8 text; `undefined` when it is not canonical base64url.
 *
 * @example
 * ```ts
 * decodeBase64urlText('eyJhbGciOiJSUzI1NiJ9') // '{"alg":"RS256"}'
 * ```
 */
export function decodeBase64urlText(input: string): string | undefined {
  const bytes = decodeBase64url(input);
  return bytes === undefined ? undefined : platform.decodeUtf8(bytes);
}
