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
