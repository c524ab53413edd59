import { type Mechanism, PayauthError } from '@payauth/core';

/** The fields every provider error is turned into. */
export interface ProviderErrorFields {
  readonly status: number;
  readonly mechanism: Mechanism;
  /** `1002` (API-money), Fondy's `error_code`, the RFC 6749 `error`, WakaPay's `code`. */
  readonly providerCode?: string;
  /** The provider's message: `error_message`, `error_description`, WakaPay's `error`, API-money's `message`. */
  readonly providerMessage?: string;
  /** Fondy's `request_id`. */
  readonly requestId?: string;
  /** The `Payauth-Hint` of a payauth sandbox. */
  readonly hint?: string;
  /** The answer's `Retry-After`, in ms (seconds or an HTTP date), on a 429 or 503. */
  readonly retryAfterMs?: number;
}

/**
 * One typed error for every provider's error shape: API-money's `{"code":"1002",…}`, Fondy's
 * `{"error_code":403,"error_message":…,"request_id":…}`, RFC 6749's `{"error":…,"error_description":…}` and WakaPay's
 * `{"code":0,"error":…}`. The raw body is kept non-enumerable (`body`), so logging or serialising the error never
 * prints it.
 *
 * @example
 * ```ts
 * try { await client.json('/api/accounts') } catch (error) {
 *   if (error instanceof PayauthResponseError && error.providerCode === '1002') …
 * }
 * ```
 */
export class PayauthResponseError extends PayauthError {
  static override code = 'ERR_RESPONSE';
  readonly status: number;
  readonly mechanism: Mechanism;
  readonly providerCode?: string;
  readonly providerMessage?: string;
  readonly requestId?: string;
  readonly hint?: string;
  /** The answer's `Retry-After` in ms, when it had one. */
  readonly retryAfterMs?: number;
  declare readonly body: string;

  constructor(fields: ProviderErrorFields, body: string) {
    const parts = [`${fields.mechanism} request refused with HTTP ${fields.status}`];
    if (fields.providerCode !== undefined) parts.push(`code ${fields.providerCode}`);
    if (fields.providerMessage !== undefined) parts.push(fields.providerMessage);
    if (fields.requestId !== undefined) parts.push(`request_id ${fields.requestId}`);
    super(parts.join(': '));
    this.status = fields.status;
    this.mechanism = fields.mechanism;
    if (fields.providerCode !== undefined) this.providerCode = fields.providerCode;
    if (fields.providerMessage !== undefined) this.providerMessage = fields.providerMessage;
    if (fields.requestId !== undefined) this.requestId = fields.requestId;
    if (fields.hint !== undefined) this.hint = fields.hint;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
    Object.defineProperty(this, 'body', { value: body, enumerable: false });
  }
}

/**
 * A provider answered with a success status but a body not in its documented shape (the rehearsal's
 * `malformed-token`: a token endpoint's 200 without a token). The client gives up with this error at once: no crash,
 * no retry, no loop. The body is not kept.
 *
 * @example
 * ```ts
 * try { await client.json('/business/balance?currency=USD') } catch (error) {
 *   if (error instanceof MalformedResponseError) alertTheProvider(error.status)
 * }
 * ```
 */
export class MalformedResponseError extends PayauthResponseError {
  static override code = 'ERR_MALFORMED_RESPONSE';

  constructor(fields: ProviderErrorFields, body: string) {
    super(fields, body);
    const detail = fields.providerMessage === undefined ? '' : `: ${fields.providerMessage}`;
    this.message = `${fields.mechanism} answer with HTTP ${fields.status} is not in the documented shape${detail}`;
  }
}

/**
 * A request got no answer (status and headers) within the client's `timeoutMs`. An idempotent request (and a token
 * request) is retried within the retry budget first; this error is what the caller sees when none is left, or at once
 * for a request that is not safe to repeat (its outcome is unknown).
 *
 * @example
 * ```ts
 * try { await client.get('/api/accounts', { timeoutMs: 2000 }) } catch (error) {
 *   if (error instanceof PayauthTimeoutError) console.log(error.timeoutMs)
 * }
 * ```
 */
export class PayauthTimeoutError extends PayauthError {
  static override code = 'ERR_TIMEOUT';
  /** The limit that was reached, in ms. */
  readonly timeoutMs: number;

  constructor(method: string, path: string, timeoutMs: number) {
    super(`${method} ${path} got no answer within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** A `Retry-After` value (delay-seconds or an HTTP date) in ms from now; undefined when absent or unreadable. */
export function readRetryAfter(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  const value = headers?.get('retry-after');
  if (value === null || value === undefined) return undefined;
  if (/^\d{1,9}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Reads a provider's error body, whatever its shape, into {@link ProviderErrorFields}. Only short, known fields are
 * taken (at most 200 characters each), so an echoed credential in some unknown field never reaches the message.
 * A 2xx `status` means the caller could not read a success answer: the result is a {@link MalformedResponseError}.
 */
export function parseProviderError(
  mechanism: Mechanism,
  status: number,
  body: string,
  headers?: Headers,
): PayauthResponseError {
  let json: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed;
  } catch {}
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' || typeof value === 'number' ? String(value).slice(0, 200) : undefined;
  const fields: { -readonly [K in keyof ProviderErrorFields]: ProviderErrorFields[K] } = {
    status,
    mechanism,
  };
  const providerCode =
    text(json.error_code) ??
    text(typeof json.error === 'string' && 'error_description' in json ? json.error : undefined) ??
    text(json.code);
  const providerMessage =
    text(json.error_message) ??
    text(json.error_description) ??
    (typeof json.code === 'number' ? text(json.error) : undefined) ??
    text(json.message) ??
    text(json.error);
  if (providerCode !== undefined) fields.providerCode = providerCode;
  if (providerMessage !== undefined) fields.providerMessage = providerMessage;
  const requestId = text(json.request_id);
  if (requestId !== undefined) fields.requestId = requestId;
  const hint = headers?.get('payauth-hint');
  if (hint) fields.hint = hint.slice(0, 300);
  const retryAfterMs = readRetryAfter(headers);
  if (retryAfterMs !== undefined) fields.retryAfterMs = retryAfterMs;
  if (status >= 200 && status < 300) return new MalformedResponseError(fields, body);
  return new PayauthResponseError(fields, body);
}

// util.inspect's hook by its registered symbol (the same `Symbol.for` Node, Bun and Deno read), so that nothing is
// imported from node:util and the client loads where there is none.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Makes `util.inspect` and `JSON.stringify` of an object show only `shown` (secrets stay in closures anyway). */
export function describeAs<T extends object>(target: T, shown: () => Record<string, unknown>): T {
  Object.defineProperty(target, INSPECT, { value: () => shown(), enumerable: false });
  Object.defineProperty(target, 'toJSON', { value: () => shown(), enumerable: false });
  return target;
}
