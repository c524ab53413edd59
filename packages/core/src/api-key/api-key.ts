import { platform } from '#platform';
import { equalInConstantTime } from '../constant-time.ts';
import { RejectionError } from '../errors/errors.ts';
import type { HmacKey } from '../platform/types.ts';

/** The body of WakaPay's `POST /business/auth`. */
export interface ApiKeyRequest {
  readonly apiKey: string;
  readonly apiSecret: string;
}

/** The 200 body of `POST /business/auth`. */
export interface ApiKeyResponse {
  readonly accessToken: string;
  readonly expiresIn: number;
}

/** Longest apiKey / apiSecret read (the document sets none; bounded input is ours). */
export const API_KEY_FIELD_MAX_LENGTH = 256;

/** True when a Content-Type header names JSON (`application/json`, with or without parameters). */
export function isJsonContentType(contentType: unknown): boolean {
  if (typeof contentType !== 'string') return false;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json';
}

/**
 * Validates the token request as WakaPay documents it: a missing content type, non-JSON text or a JSON value that is
 * not an object is `invalid payload`; a missing or empty field is `apiKey and apiSecret required`.
 *
 * @param contentType - the request's Content-Type header
 * @param rawBody - the raw body text
 * @example
 * ```ts
 * parseApiKeyRequest('application/json', '{"apiKey":"k","apiSecret":"s"}') // { apiKey: 'k', apiSecret: 's' }
 * ```
 */
export function parseApiKeyRequest(contentType: unknown, rawBody: string): ApiKeyRequest {
  if (!isJsonContentType(contentType)) {
    throw new RejectionError('ERR_API_KEY_PAYLOAD_INVALID', 'Content-Type is not application/json');
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw new RejectionError('ERR_API_KEY_PAYLOAD_INVALID', 'the body is not valid JSON');
  }
  return validateApiKeyRequest(body);
}

/**
 * Validates an already parsed body (see {@link parseApiKeyRequest}).
 *
 * @example
 * ```ts
 * validateApiKeyRequest({ apiKey: '', apiSecret: 's' }) // throws ERR_API_KEY_CREDENTIALS_REQUIRED
 * ```
 */
export function validateApiKeyRequest(body: unknown): ApiKeyRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RejectionError('ERR_API_KEY_PAYLOAD_INVALID', 'the body is not a JSON object');
  }
  const { apiKey, apiSecret } = body as Record<string, unknown>;
  if (
    apiKey === undefined ||
    apiKey === null ||
    apiKey === '' ||
    apiSecret === undefined ||
    apiSecret === null ||
    apiSecret === ''
  ) {
    throw new RejectionError('ERR_API_KEY_CREDENTIALS_REQUIRED', 'apiKey or apiSecret is missing or empty');
  }
  if (typeof apiKey !== 'string' || typeof apiSecret !== 'string') {
    throw new RejectionError('ERR_API_KEY_PAYLOAD_INVALID', 'apiKey and apiSecret must be strings');
  }
  if (apiKey.length > API_KEY_FIELD_MAX_LENGTH || apiSecret.length > API_KEY_FIELD_MAX_LENGTH) {
    throw new RejectionError(
      'ERR_API_KEY_PAYLOAD_INVALID',
      `a field is longer than ${API_KEY_FIELD_MAX_LENGTH}`,
    );
  }
  return { apiKey, apiSecret };
}

/**
 * Parses the 200 body of the token endpoint; `undefined` when it is not the documented shape.
 *
 * @example
 * ```ts
 * parseApiKeyResponse({ accessToken: 'eyJ…', expiresIn: 3600 })?.expiresIn // 3600
 * ```
 */
export function parseApiKeyResponse(body: unknown): ApiKeyResponse | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { accessToken, expiresIn } = body as Record<string, unknown>;
  if (typeof accessToken !== 'string' || accessToken.length === 0) return undefined;
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) return undefined;
  return { accessToken, expiresIn };
}

/**
 * Hashes an api-key secret for storage: HMAC-SHA256 keyed by a server-side pepper, so that the store alone
 * does not allow an offline guess. Returns lowercase hex.
 *
 * @example
 * ```ts
 * const stored = hashApiSecret(pepper, 'your_api_secret')
 * ```
 */
export function hashApiSecret(pepper: HmacKey, secret: string): string {
  return platform.hmacSha256Hex(pepper, secret);
}

/**
 * Compares a presented secret with its stored hash in constant time. Throws `ERR_API_KEY_CREDENTIALS_INVALID`.
 *
 * @example
 * ```ts
 * verifyApiSecret(pepper, presented, stored)
 * ```
 */
export function verifyApiSecret(pepper: HmacKey, presented: string, storedHash: string): void {
  if (!equalInConstantTime(hashApiSecret(pepper, presented), storedHash)) {
    throw new RejectionError('ERR_API_KEY_CREDENTIALS_INVALID', 'the api secret does not match');
  }
}
