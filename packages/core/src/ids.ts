/** Longest public id (access key, application id, client id, api key) any mechanism accepts. */
export const PUBLIC_ID_MAX_LENGTH = 256;

// Control characters (C0, DEL, C1) and lone surrogates: PostgreSQL refuses NUL in text (22021), a lone surrogate is
// not UTF-8, and the others have no place in an identifier a partner copies from a dashboard.
const FORBIDDEN = /[\p{Cc}\p{Cs}]/u;

/**
 * The one grammar of public ids, checked before any store sees an id: 1 to {@link PUBLIC_ID_MAX_LENGTH} characters,
 * no control character (U+0000–U+001F, U+007F–U+009F) and no lone surrogate. Each mechanism's own grammar (the hmac
 * header's visible ASCII, Fondy's 20 characters) is narrower; this is what every store can hold.
 *
 * @example
 * ```ts
 * isValidPublicId('k1rXpphkRG!2-Fox') // true
 * isValidPublicId('a\u0000b') // false
 * ```
 */
export function isValidPublicId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= PUBLIC_ID_MAX_LENGTH && !FORBIDDEN.test(id);
}
