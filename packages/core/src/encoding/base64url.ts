/** Encodes text or bytes as unpadded base64url (RFC 4648 §5). */
export function encodeBase64url(input: string | Uint8Array): string {
  return (typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input)).toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes strict, canonical, unpadded base64url; returns `undefined` on any other character, an impossible length,
 * or non-zero unused bits in the last character (so that no two texts decode to the same bytes: a JWS whose last
 * character was changed is refused, not silently accepted).
 */
export function decodeBase64url(input: string): Buffer | undefined {
  if (!BASE64URL.test(input) || input.length % 4 === 1) return undefined;
  const bytes = Buffer.from(input, 'base64url');
  return bytes.toString('base64url') === input ? bytes : undefined;
}
