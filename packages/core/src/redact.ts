/** What redaction puts in place of a secret value. */
export const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of each secret value in `text` (redaction by value, not only by key name).
 * Values shorter than 4 characters are skipped: they would blank out ordinary words.
 *
 * @example
 * ```ts
 * redactValues('token=abc123xyz', ['abc123xyz']) // 'token=[redacted]'
 * ```
 */
export function redactValues(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * Defines a non-enumerable property, so that `JSON.stringify`, `Object.keys` and `util.inspect` do not show it
 * (oauth4webapi keeps raw responses the same way).
 *
 * @example
 * ```ts
 * hideProperty(strategy, 'secretKey', secret)
 * ```
 */
export function hideProperty<T extends object>(target: T, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: false, writable: false, configurable: false });
}
