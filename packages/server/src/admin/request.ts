import type { AuthRequest } from '../http/types.ts';

/** A parsed JSON body, or why it could not be read. */
export type JsonBody = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/**
 * Reads an admin request's body: absent or empty means `{}`; otherwise it must be a JSON object.
 *
 * @example
 * ```ts
 * const body = readJsonObject(request); if (!body.ok) return adminError('invalid_request', body.message)
 * ```
 */
export function readJsonObject(request: AuthRequest): JsonBody {
  if (request.bodyProblem === 'too-large') return { ok: false, message: 'request body too large' };
  if (request.bodyProblem === 'unreadable') return { ok: false, message: 'unreadable request body' };
  const text = request.body ?? '';
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, message: 'the body must be a JSON object' };
    }
    return { ok: true, value: value as Record<string, unknown> };
  } catch {
    return { ok: false, message: 'the body is not valid JSON' };
  }
}

/** One query parameter's single value (a repeated parameter counts as absent). */
export function queryValue(request: AuthRequest, name: string): string | undefined {
  const value = request.query[name];
  return Array.isArray(value) ? undefined : value === '' ? undefined : value;
}

/** A partner id the admin API accepts: 1 to 64 characters, no control character. */
export function isValidPartnerId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= 64 &&
    !/[\u0000-\u001f\u007f]/.test(value)
  );
}
