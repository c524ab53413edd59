/** Options of an hmac header builder: the demo's key and secret and the current time unless overridden. */
export type HmacHeaderOverrides = {
  timestamp?: number;
  secretKey?: string;
  accessKey?: string;
  version?: string;
};

/**
 * The hmac failures every server test sends (each refused with the documented 1002 body): a name, the
 * `Authorization` value (undefined: no header) and the reason code the sandbox hint starts with.
 */
export function hmacFailureCases(
  header: (overrides?: HmacHeaderOverrides) => string,
  now = Date.now(),
): Array<[string, () => string | undefined, string]> {
  return [
    ['missing header', () => undefined, 'ERR_HMAC_HEADER_MISSING'],
    ['wrong secret', () => header({ secretKey: 'wrong-secret' }), 'ERR_HMAC_SIGNATURE_MISMATCH'],
    ['stale timestamp', () => header({ timestamp: now - 10 * 60_000 }), 'ERR_HMAC_TIMESTAMP_STALE'],
    ['future timestamp', () => header({ timestamp: now + 10 * 60_000 }), 'ERR_HMAC_TIMESTAMP_FUTURE'],
    ['seconds, not ms', () => header({ timestamp: Math.floor(now / 1000) }), 'ERR_HMAC_TIMESTAMP_STALE'],
    ['unknown key', () => header({ accessKey: 'odzAr67enYtX7vDdiLwdMYOTh6R4ZQUz' }), 'ERR_HMAC_KEY_UNKNOWN'],
    ['bad version', () => header({ version: '2' }), 'ERR_HMAC_VERSION_UNSUPPORTED'],
    [
      'uppercase hex',
      () => {
        const value = header();
        return value.slice(0, -64) + value.slice(-64).toUpperCase();
      },
      'ERR_HMAC_HEADER_MALFORMED',
    ],
    ['pasted non-breaking space', () => header().replace('AUTH ', 'AUTH\u00a0'), 'ERR_HMAC_HEADER_MALFORMED'],
    ['Bearer garbage', () => 'Bearer nonsense', 'ERR_TOKEN_INVALID'],
  ];
}
