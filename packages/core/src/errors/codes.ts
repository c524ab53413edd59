/**
 * The mechanisms payauth implements. The same four names are used in the core, the client, the server,
 * the CLI and the docs.
 */
export type Mechanism = 'hmac' | 'app-token' | 'private-key-jwt' | 'api-key';

/** The four mechanism names, in the order of the documentation. */
export const mechanisms: readonly Mechanism[] = ['hmac', 'app-token', 'private-key-jwt', 'api-key'];

/** RFC 6749 §5.2 error codes (and RFC 6750 `invalid_token`) used by the `private-key-jwt` surfaces. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_token'
  | 'temporarily_unavailable'
  | 'server_error';

/** One row of the rejection table. */
export interface RejectionEntry {
  /** HTTP status on the wire. */
  readonly status: number;
  /** The RFC 6749/6750 `error` where the surface is OAuth. */
  readonly oauthError?: OAuthErrorCode;
  /** A short public reason, shown where the documented body has a free-text field (Fondy, OAuth). */
  readonly publicMessage: string;
}

/**
 * Every reason a request can be refused, with its HTTP status, its OAuth error and its public reason.
 * `docs/errors.md` documents each row; a test pins the two together.
 */
export const rejectionTable = {
  // hmac (API-money) — every one answers 401 with the documented 1002 body
  ERR_HMAC_HEADER_MISSING: { status: 401, publicMessage: 'missing Authorization header' },
  ERR_HMAC_HEADER_MALFORMED: { status: 401, publicMessage: 'malformed Authorization header' },
  ERR_HMAC_VERSION_UNSUPPORTED: { status: 401, publicMessage: 'unsupported version' },
  ERR_HMAC_KEY_UNKNOWN: { status: 401, publicMessage: 'unknown access key' },
  ERR_HMAC_SIGNATURE_MISMATCH: { status: 401, publicMessage: 'signature mismatch' },
  ERR_HMAC_TIMESTAMP_STALE: { status: 401, publicMessage: 'timestamp too old' },
  ERR_HMAC_TIMESTAMP_FUTURE: { status: 401, publicMessage: 'timestamp in the future' },
  ERR_HMAC_REPLAYED: { status: 401, publicMessage: 'header already used' },
  // app-token (Fondy) — 403 with the documented body
  ERR_APP_TOKEN_SIGNATURE_MISMATCH: { status: 403, publicMessage: 'Incorrect signature' },
  ERR_APP_TOKEN_APPLICATION_UNKNOWN: { status: 403, publicMessage: 'Incorrect signature' },
  ERR_APP_TOKEN_PARAMETER_INVALID: { status: 403, publicMessage: 'Invalid request parameters' },
  ERR_APP_TOKEN_DATE_STALE: { status: 403, publicMessage: 'Incorrect date: not a recent timestamp' },
  ERR_APP_TOKEN_REPLAYED: { status: 403, publicMessage: 'Signature already used' },
  // private-key-jwt (eMoney) token endpoint — RFC 6749 §5.2
  ERR_OAUTH_INVALID_REQUEST: { status: 400, oauthError: 'invalid_request', publicMessage: 'invalid request' },
  ERR_OAUTH_UNSUPPORTED_GRANT_TYPE: {
    status: 400,
    oauthError: 'unsupported_grant_type',
    publicMessage: 'only client_credentials is supported',
  },
  ERR_OAUTH_INVALID_SCOPE: {
    status: 400,
    oauthError: 'invalid_scope',
    publicMessage: 'requested scope is not allowed',
  },
  ERR_OAUTH_UNAUTHORIZED_CLIENT: {
    status: 400,
    oauthError: 'unauthorized_client',
    publicMessage: 'client is not allowed to use this grant type',
  },
  ERR_ASSERTION_MALFORMED: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_CLIENT_UNKNOWN: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_CLIENT_ID_MISMATCH: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_ALGORITHM_REJECTED: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_KEY_UNKNOWN: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_SIGNATURE_INVALID: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_ISSUER_MISMATCH: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_AUDIENCE_MISMATCH: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_EXPIRY_MISSING: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_EXPIRED: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_LIFETIME_TOO_LONG: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_NOT_YET_VALID: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  ERR_ASSERTION_REPLAYED: {
    status: 401,
    oauthError: 'invalid_client',
    publicMessage: 'client authentication failed',
  },
  // api-key (WakaPay) token endpoint
  ERR_API_KEY_CREDENTIALS_REQUIRED: { status: 400, publicMessage: 'apiKey and apiSecret required' },
  ERR_API_KEY_PAYLOAD_INVALID: { status: 400, publicMessage: 'invalid payload' },
  ERR_API_KEY_CREDENTIALS_INVALID: { status: 401, publicMessage: 'invalid credentials' },
  // Bearer resources (tokens issued by app-token, private-key-jwt and api-key)
  ERR_TOKEN_MISSING: { status: 401, oauthError: 'invalid_token', publicMessage: 'missing bearer token' },
  ERR_TOKEN_INVALID: { status: 401, oauthError: 'invalid_token', publicMessage: 'invalid token' },
  ERR_TOKEN_EXPIRED: { status: 401, oauthError: 'invalid_token', publicMessage: 'token expired' },
  ERR_APIKEY_MISSING: { status: 401, oauthError: 'invalid_token', publicMessage: 'missing apikey header' },
  ERR_APIKEY_INVALID: { status: 401, oauthError: 'invalid_token', publicMessage: 'invalid apikey header' },
  // any mechanism
  ERR_REQUEST_AMBIGUOUS: { status: 400, oauthError: 'invalid_request', publicMessage: 'ambiguous request' },
  ERR_CREDENTIAL_REVOKED: { status: 401, oauthError: 'invalid_client', publicMessage: 'credential revoked' },
  ERR_RATE_LIMITED: {
    status: 429,
    oauthError: 'temporarily_unavailable',
    publicMessage: 'too many failed attempts, retry later',
  },
  ERR_SERVICE_UNAVAILABLE: {
    status: 503,
    oauthError: 'temporarily_unavailable',
    publicMessage: 'service temporarily unavailable, retry later',
  },
  // Only the sandbox's `server-error` scenario answers it (docs/admin.md, "Scenarios"): a 500 in the surface's shape.
  ERR_SERVER_ERROR: { status: 500, oauthError: 'server_error', publicMessage: 'internal server error' },
} as const satisfies Record<string, RejectionEntry>;

/** A key of {@link rejectionTable}: the stable code of one reason for refusing a request. */
export type RejectionCode = keyof typeof rejectionTable;

/** True when `code` is a known rejection code. */
export function isRejectionCode(code: string): code is RejectionCode {
  return Object.hasOwn(rejectionTable, code);
}
