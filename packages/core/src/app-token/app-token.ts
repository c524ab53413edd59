import { platform } from '#platform';
import { equalInConstantTime } from '../constant-time.ts';
import { assertString, InvalidOptionError, RejectionError } from '../errors/errors.ts';

/** Documented limits of Fondy's token request body (docs/providers/app-token.md). */
export const APP_TOKEN_LIMITS = { applicationId: 20, date: 1024, signature: 128 } as const;

/** The body of `POST /authorizer/token/application/get`. */
export interface AppTokenRequest {
  readonly application_id: string;
  readonly date: string;
  readonly signature: string;
}

/** What is needed to sign a token request. */
export interface AppTokenSignInput {
  readonly secretKey: string;
  readonly applicationId: string;
  /** Any string up to 1024 characters; it acts as a salt. */
  readonly date: string;
}

/**
 * Computes `lowercase hex(SHA-512(secretKey + "|" + applicationId + "|" + date))` over UTF-8.
 *
 * @example
 * ```ts
 * signAppToken({ secretKey: 'test', applicationId: '1234', date: '2020-04-06 11:15:27' }) // 128 hex digits
 * ```
 */
export function signAppToken(input: AppTokenSignInput): string {
  // On Node, crypto.hash() is the one-shot path: ~1.9× createHash() for short inputs on Node 24.
  return platform.digest('sha512', `${input.secretKey}|${input.applicationId}|${input.date}`, 'hex');
}

/**
 * Builds the request body, checking the documented limits first.
 *
 * @example
 * ```ts
 * buildAppTokenRequest({ secretKey: 's', applicationId: '1234', date: '2020-04-06 11:15:27' })
 * // { application_id: '1234', date: '2020-04-06 11:15:27', signature: '…' }
 * ```
 */
export function buildAppTokenRequest(input: AppTokenSignInput): AppTokenRequest {
  assertString(input.secretKey, 'secretKey');
  assertString(input.applicationId, 'applicationId', APP_TOKEN_LIMITS.applicationId);
  if (typeof input.date !== 'string' || input.date.length > APP_TOKEN_LIMITS.date) {
    throw new InvalidOptionError('date', `a string of at most ${APP_TOKEN_LIMITS.date} characters`);
  }
  return { application_id: input.applicationId, date: input.date, signature: signAppToken(input) };
}

function invalid(message: string): RejectionError {
  return new RejectionError('ERR_APP_TOKEN_PARAMETER_INVALID', message, { publicMessage: message });
}

/**
 * Validates an untrusted, already JSON-parsed body. Throws `ERR_APP_TOKEN_PARAMETER_INVALID` with a message that
 * names the parameter (Fondy answers 403 for every invalid parameter).
 *
 * @example
 * ```ts
 * parseAppTokenRequest({ application_id: '1234', date: 'x', signature: 'ab' }).application_id // '1234'
 * ```
 */
export function parseAppTokenRequest(body: unknown): AppTokenRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('Invalid request parameters: a JSON object is required');
  }
  const record = body as Record<string, unknown>;
  const fields = [
    ['application_id', APP_TOKEN_LIMITS.applicationId],
    ['date', APP_TOKEN_LIMITS.date],
    ['signature', APP_TOKEN_LIMITS.signature],
  ] as const;
  for (const [name, max] of fields) {
    const value = record[name];
    // Fondy's own example sends application_id as a string; a JSON number is accepted as its decimal text.
    if (name === 'application_id' && typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
      continue;
    if (value === undefined || value === null || value === '') throw invalid(`Parameter ${name} is required`);
    if (typeof value !== 'string') throw invalid(`Parameter ${name} must be a string`);
    if (value.length > max) throw invalid(`Parameter ${name} is longer than ${max} characters`);
  }
  return {
    application_id: String(record.application_id),
    date: record.date as string,
    signature: record.signature as string,
  };
}

/**
 * Compares the request's signature with the one the secret gives, in constant time.
 * Throws `ERR_APP_TOKEN_SIGNATURE_MISMATCH`.
 *
 * @example
 * ```ts
 * verifyAppTokenSignature(request, secretKey)
 * ```
 */
export function verifyAppTokenSignature(request: AppTokenRequest, secretKey: string): void {
  const expected = signAppToken({ secretKey, applicationId: request.application_id, date: request.date });
  if (!equalInConstantTime(expected, request.signature)) {
    throw new RejectionError('ERR_APP_TOKEN_SIGNATURE_MISMATCH', 'the signature does not match', {
      applicationId: request.application_id,
    });
  }
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads `date` as a point in time for strict mode: Unix seconds (10 digits), Unix milliseconds (13 digits),
 * an ISO 8601 date-time, or the document's `YYYY-MM-DD HH:mm:ss` (read as UTC when no offset is given).
 * Returns milliseconds since the epoch, or `undefined` when the text is none of these.
 *
 * @example
 * ```ts
 * parseAppTokenDate('1586171872') // 1586171872000
 * parseAppTokenDate('2020-04-06 11:15:27') // 1586171727000
 * ```
 */
export function parseAppTokenDate(date: string): number | undefined {
  if (/^\d{10}$/.test(date)) return Number(date) * 1000;
  if (/^\d{13}$/.test(date)) return Number(date);
  if (!ISO_DATE.test(date)) return undefined;
  let text = date.replace(' ', 'T');
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text) && text.includes('T')) text += 'Z';
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

/**
 * Strict mode: the date must be a recent point in time (default ±5 minutes). Throws `ERR_APP_TOKEN_DATE_STALE`.
 *
 * @example
 * ```ts
 * checkAppTokenDate(String(Math.floor(Date.now() / 1000)), Date.now())
 * ```
 */
export function checkAppTokenDate(date: string, now: number, windowMs = 300_000): void {
  const time = parseAppTokenDate(date);
  if (time === undefined) {
    throw new RejectionError(
      'ERR_APP_TOKEN_DATE_STALE',
      'strict mode: the date is not a timestamp or ISO date',
      {
        publicMessage: 'Incorrect date: strict mode needs a timestamp or an ISO date',
      },
    );
  }
  if (Math.abs(now - time) > windowMs) {
    throw new RejectionError(
      'ERR_APP_TOKEN_DATE_STALE',
      `strict mode: the date is ${now - time} ms from now`,
      {
        offsetMs: now - time,
        limitMs: windowMs,
      },
    );
  }
}
