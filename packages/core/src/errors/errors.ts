import type { RejectionCode } from './codes.ts';

/**
 * The base of every error payauth throws. `code` is stable across releases: match on it, never on `message`.
 *
 * Messages never contain a secret, a token, an assertion or an expected signature; at most a key id.
 *
 * @example
 * ```ts
 * try { parseHmacHeader(value) } catch (error) {
 *   if (error instanceof PayauthError) console.log(error.code)
 * }
 * ```
 */
export class PayauthError extends Error {
  /** The stable code of this error class. */
  static code: string = 'ERR_PAYAUTH';
  /** The stable code of this error. */
  code: string;

  /**
   * @param message - a human-readable explanation, free of secrets
   * @param options - `cause` for chaining
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = (new.target as typeof PayauthError).code;
  }
}

/**
 * A credential was presented and refused: the request is not authenticated.
 * `code` names the exact reason (see {@link rejectionTable}); the public answer for the wire is derived from it.
 *
 * @example
 * ```ts
 * throw new RejectionError('ERR_HMAC_TIMESTAMP_STALE', 'timestamp is 412 s old (limit 300 s)')
 * ```
 */
export class RejectionError extends PayauthError {
  static override code = 'ERR_REJECTED';
  override code: RejectionCode;
  /** Extra facts for the log and the sandbox hint (never secrets): e.g. `{ ageMs: 412000 }`. */
  readonly details: Readonly<Record<string, string | number | boolean>>;

  /**
   * @param code - the reason, a key of the rejection table
   * @param message - explanation for logs and hints, free of secrets
   * @param details - numbers and key ids that help the rightful owner
   */
  constructor(
    code: RejectionCode,
    message: string,
    details: Record<string, string | number | boolean> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

/**
 * An option passed to a factory (strategy, guard, token manager, store) is invalid. Thrown at construction,
 * never per request (CONVENTIONS.md example 2). It is a `TypeError` with a `code`.
 *
 * @example
 * ```ts
 * hmac({ accessKey: '', secretKey: 's' }) // throws InvalidOptionError: "accessKey" must be a non-empty string
 * ```
 */
export class InvalidOptionError extends TypeError {
  /** The stable code of this error class. */
  static code = 'ERR_INVALID_OPTION';
  /** Always `ERR_INVALID_OPTION`. */
  readonly code = 'ERR_INVALID_OPTION';
  /** The name of the option at fault. */
  readonly option: string;

  /**
   * @param option - the option's name, e.g. `accessKey`
   * @param expectation - what it must be, e.g. `a non-empty string`
   */
  constructor(option: string, expectation: string) {
    super(`"${option}" must be ${expectation}`);
    this.name = 'InvalidOptionError';
    this.option = option;
  }
}

/**
 * Key material could not be loaded (wrong password, unsupported format, certificate and key do not match).
 *
 * @example
 * ```ts
 * loadPkcs12(bytes, 'wrong') // throws KeyMaterialError with code ERR_KEY_MATERIAL
 * ```
 */
export class KeyMaterialError extends PayauthError {
  static override code = 'ERR_KEY_MATERIAL';
}

/**
 * The runtime lacks what an operation needs: a synchronous operation on node:crypto KeyObjects or X509Certificates
 * (the server's token signing, `createClientAssertion`) where no `node:crypto` exists (a Worker without
 * `nodejs_compat`, an edge function, a browser). The message names the web-standard alternative.
 *
 * @example
 * ```ts
 * createClientAssertion({ … }) // on an edge runtime: throws UnsupportedRuntimeError; use signClientAssertion
 * ```
 */
export class UnsupportedRuntimeError extends PayauthError {
  static override code = 'ERR_RUNTIME_UNSUPPORTED';
}

/** Asserts that `value` is a non-empty string no longer than `max`; throws {@link InvalidOptionError} naming `option`. */
export function assertString(value: unknown, option: string, max = 4096): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new InvalidOptionError(option, `a non-empty string of at most ${max} characters`);
  }
}

/** Asserts that `value` is a finite number within [min, max]; throws {@link InvalidOptionError} naming `option`. */
export function assertNumber(
  value: unknown,
  option: string,
  min: number,
  max: number,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(option, `a number from ${min} to ${max}`);
  }
}
