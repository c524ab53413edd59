import { type RejectionCode, type RejectionEntry, rejectionTable } from './codes.ts';

/**
 * The documented error shapes, one per provider surface:
 * - `hmac`: API-money resources (`{"code":"1002","message":…}`),
 * - `app-token`: Fondy's token endpoint (`{"error_code":403,"error_message":…,"request_id":…}`),
 * - `private-key-jwt`: eMoney's token endpoint (RFC 6749 §5.2),
 * - `bearer`: eMoney's resources (RFC 6750),
 * - `api-key`: WakaPay's token endpoint and resources (`{"code":0,"error":…}`).
 */
export type Surface = 'hmac' | 'app-token' | 'private-key-jwt' | 'bearer' | 'api-key';

/** A rendered error response: exactly what goes on the wire. */
export interface PublicResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON body, serialised byte for byte as documented. */
  readonly body: string;
}

/** The body API-money documents for every authentication failure (docs/providers/hmac.md), byte for byte. */
export const HMAC_REJECTION_BODY =
  '{"code":"1002","message":"Authorization error: Full authentication is required to access this resource"}';

/** Context a surface may need to render its body. */
export interface RenderContext {
  /** Fondy's 16-character `request_id`. */
  readonly requestId?: string;
  /** Seconds to wait, for 429 and 503. */
  readonly retryAfterSeconds?: number;
  /** A public message that replaces the table's (Fondy's parameter errors name the parameter). */
  readonly publicMessage?: string;
  /** The client authenticated with the Authorization header (RFC 6749 §5.2 then demands WWW-Authenticate). */
  readonly usedAuthorizationHeader?: boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Renders the documented public response for a rejection on a given surface. Nothing in it depends on a secret;
 * the reason code itself never reaches the body (it goes to logs, the audit trail and, in sandbox mode, a hint).
 *
 * @example
 * ```ts
 * renderRejection('hmac', 'ERR_HMAC_TIMESTAMP_STALE').body === HMAC_REJECTION_BODY // true
 * ```
 */
export function renderRejection(
  surface: Surface,
  code: RejectionCode,
  context: RenderContext = {},
): PublicResponse {
  const entry: RejectionEntry = rejectionTable[code];
  const status = entry.status;
  const headers: Record<string, string> = { 'content-type': JSON_TYPE };
  if ((status === 429 || status === 503) && context.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(context.retryAfterSeconds)));
  }
  const message = context.publicMessage ?? entry.publicMessage;
  switch (surface) {
    case 'hmac': {
      if (status === 401 || status === 403) return { status: 401, headers, body: HMAC_REJECTION_BODY };
      return { status, headers, body: JSON.stringify({ code: String(status), message }) };
    }
    case 'app-token': {
      const requestId = context.requestId ?? '';
      const errorStatus = status === 429 || status >= 500 ? status : 403;
      return {
        status: errorStatus,
        headers,
        body: JSON.stringify({ error_code: errorStatus, error_message: message, request_id: requestId }),
      };
    }
    case 'private-key-jwt': {
      const error = entry.oauthError ?? 'invalid_request';
      if (error === 'invalid_client' && context.usedAuthorizationHeader) {
        headers['www-authenticate'] = 'Basic realm="payauth"';
      }
      return { status, headers, body: JSON.stringify({ error, error_description: message }) };
    }
    case 'bearer': {
      if (status === 401) {
        headers['www-authenticate'] = `Bearer error="invalid_token", error_description="${message}"`;
        return {
          status,
          headers,
          body: JSON.stringify({ error: 'invalid_token', error_description: message }),
        };
      }
      return {
        status,
        headers,
        body: JSON.stringify({ error: entry.oauthError ?? 'invalid_request', error_description: message }),
      };
    }
    case 'api-key': {
      // WakaPay's resources answer like its token endpoint; a bearer failure there is "invalid token".
      const text = code.startsWith('ERR_TOKEN_') ? 'invalid token' : message;
      return { status, headers, body: JSON.stringify({ code: 0, error: text }) };
    }
  }
}
