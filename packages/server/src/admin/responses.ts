import type { NeutralResponse } from '../http/types.ts';

/** The `error` values of the admin API (docs/errors.md, "Admin API"). */
export type AdminErrorCode = 'invalid_request' | 'unauthorized' | 'forbidden' | 'not_found';

const STATUS: Record<AdminErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
};

/** Headers of every admin answer: JSON, never cached, never sniffed. */
const ADMIN_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/**
 * A JSON answer of the admin API.
 *
 * @example
 * ```ts
 * adminJson(200, { credentials: [] })
 * ```
 */
export function adminJson(status: number, body: unknown): NeutralResponse {
  return { status, headers: { ...ADMIN_HEADERS }, body: JSON.stringify(body) };
}

/**
 * An error of the admin API: `{"error":…,"message":…}` with the status of its code. The message never holds a
 * secret, a token or an identifier the caller sent.
 *
 * @example
 * ```ts
 * adminError('not_found', 'no such credential') // 404 {"error":"not_found","message":"no such credential"}
 * ```
 */
export function adminError(error: AdminErrorCode, message: string): NeutralResponse {
  return {
    status: STATUS[error],
    headers: {
      ...ADMIN_HEADERS,
      ...(error === 'unauthorized' ? { 'www-authenticate': 'Bearer realm="payauth-admin"' } : {}),
    },
    body: JSON.stringify({ error, message }),
  };
}
