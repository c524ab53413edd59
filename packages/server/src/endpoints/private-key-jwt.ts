import {
  assertionAudiences,
  CLIENT_ASSERTION_TYPE,
  type DecodedAssertion,
  decodeClientAssertion,
  isValidPublicId,
  RejectionError,
  verifyClientAssertion,
} from '@payauth/core';
import type { AuthConfig } from '../config.ts';
import type { AuthContext } from '../context.ts';
import type { ResolvedCredential } from '../credentials/resolver.ts';
import { singleHeader } from '../http/headers.ts';
import { jsonResponse } from '../http/response.ts';
import type { AuthRequest, NeutralResponse, RequestHandler } from '../http/types.ts';
import { createTokenEndpoint, type Grant, issueToken } from './token-endpoint.ts';

function invalidRequest(reason: string): RejectionError {
  return new RejectionError('ERR_OAUTH_INVALID_REQUEST', reason, { publicMessage: reason });
}

/**
 * Reads an `application/x-www-form-urlencoded` body. A repeated parameter is invalid (RFC 6749 §3.1); an unrecognized
 * one is kept and ignored (§3.2: the server MUST ignore it), as MSAL sends eight (`x-client-SKU`, `client-request-id`,
 * …) and openid-client sends `resource`.
 */
function parseForm(request: AuthRequest): Map<string, string> | RejectionError {
  const type = singleHeader(request.headers['content-type'])?.split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return invalidRequest('the body must be application/x-www-form-urlencoded');
  }
  const form = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(request.body ?? '')) {
    if (form.has(name)) return invalidRequest(`parameter ${name.slice(0, 40)} is repeated`);
    form.set(name, value);
  }
  return form;
}

/** A token request whose form and assertion parsed. */
interface ParsedRequest {
  readonly publicId: string;
  readonly form: Map<string, string>;
  readonly decoded: DecodedAssertion;
}

/** The form's grant, client authentication and assertion, in docs/providers/private-key-jwt.md's order; no signature yet. */
function parseRequest(request: AuthRequest): ParsedRequest | RejectionError {
  const usedAuthorizationHeader = singleHeader(request.headers.authorization) !== undefined;
  const form = parseForm(request);
  if (form instanceof RejectionError) return form;
  const grantType = form.get('grant_type');
  if (!grantType) return invalidRequest('grant_type is required');
  if (grantType !== 'client_credentials') {
    return new RejectionError('ERR_OAUTH_UNSUPPORTED_GRANT_TYPE', 'only client_credentials is supported');
  }
  const assertion = form.get('client_assertion');
  if (usedAuthorizationHeader && assertion !== undefined) {
    return invalidRequest(
      'use one client authentication method, not the Authorization header and an assertion',
    );
  }
  if (assertion === undefined) {
    const reason = usedAuthorizationHeader
      ? 'only private_key_jwt client authentication is supported'
      : 'client_assertion is missing';
    return new RejectionError('ERR_ASSERTION_MALFORMED', reason);
  }
  if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
    return invalidRequest(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
  }
  const decoded = decodeClientAssertion(assertion);
  const sub = decoded.payload.sub;
  if (!isValidPublicId(sub)) return new RejectionError('ERR_ASSERTION_MALFORMED', 'sub is not a client_id');
  const formClientId = form.get('client_id');
  if (formClientId !== undefined && formClientId !== sub) {
    return new RejectionError('ERR_ASSERTION_CLIENT_ID_MISMATCH', 'client_id differs from the assertion sub');
  }
  return { publicId: sub, form, decoded };
}

/** The scope granted: the requested one (default: all allowed), when every part of it is allowed. */
function grantedScope(
  config: AuthConfig,
  credential: ResolvedCredential,
  form: Map<string, string>,
): string | RejectionError {
  const allowed = String(credential.record.options.scope ?? config.privateKeyJwt.scopes.join(' ')).split(' ');
  const requested = (form.get('scope') ?? allowed.join(' ')).split(' ').filter(Boolean);
  if (requested.length === 0 || !requested.every((s) => allowed.includes(s))) {
    return new RejectionError('ERR_OAUTH_INVALID_SCOPE', 'requested scope is not allowed');
  }
  return requested.join(' ');
}

/**
 * `POST /connect/token` (eMoney): OAuth 2 client_credentials with an RFC 7523 client assertion. Checks in
 * docs/providers/private-key-jwt.md's order: form shape → assertion parses → client known and active → alg →
 * signature by a live certificate chosen by kid → iss = sub → aud → exp → nbf/iat → and only then the replay record,
 * atomically in the shared state.
 *
 * @example
 * ```ts
 * const endpoint = createPrivateKeyJwtEndpoint(context); const response = await endpoint(request)
 * ```
 */
export function createPrivateKeyJwtEndpoint(context: AuthContext): RequestHandler {
  const { config } = context;
  const audiences = assertionAudiences(config.issuer);
  const lifetime = config.privateKeyJwt.lifetimeSeconds;
  return createTokenEndpoint(context, {
    mechanism: 'private-key-jwt',
    parse: parseRequest,
    async verify(
      { publicId, form, decoded },
      credential,
    ): Promise<(Grant & { scope: string }) | RejectionError> {
      if (!credential)
        return new RejectionError('ERR_ASSERTION_CLIENT_UNKNOWN', 'no client has this client_id');
      if (credential.record.status !== 'active') {
        // Checked before the signature (docs/providers/private-key-jwt.md's order), so the public answer must not
        // tell a stranger that this client_id exists and was revoked: the generic one; the reason goes to the log,
        // the audit and a hint.
        return new RejectionError('ERR_CREDENTIAL_REVOKED', 'the client was revoked', {
          publicMessage: 'client authentication failed',
        });
      }
      const now = context.now();
      const { replayKey, expiresAt } = verifyClientAssertion(
        decoded,
        { clientId: publicId, certificates: credential.certificates },
        {
          audiences,
          algorithms: config.privateKeyJwt.algorithms,
          now,
          clockToleranceSeconds: config.privateKeyJwt.clockToleranceSeconds,
          maxLifetimeSeconds: config.privateKeyJwt.maxAssertionLifetimeSeconds,
        },
      );
      const scope = grantedScope(config, credential, form);
      if (scope instanceof RejectionError) return scope;
      // Last, and atomically: exactly one of concurrent requests with this assertion gets a token.
      if (!(await context.state.consumeOnce(`assertion:${replayKey}`, Math.max(1000, expiresAt - now)))) {
        return new RejectionError('ERR_ASSERTION_REPLAYED', 'this assertion was already used');
      }
      return { credential, scope };
    },
    issue(granted, { publicId }) {
      const { scope } = granted;
      const token = issueToken(context, 'private-key-jwt', granted, lifetime, { client_id: publicId, scope });
      return jsonResponse(
        200,
        { access_token: token, token_type: 'Bearer', expires_in: lifetime, scope },
        { 'cache-control': 'no-store', pragma: 'no-cache' },
      );
    },
    answerInvalid: withChallenge,
  });
}

/** RFC 6749 §5.2: a client that tried the Authorization header gets a challenge with its 401. */
function withChallenge(response: NeutralResponse, request: AuthRequest): NeutralResponse {
  if (response.status !== 401 || singleHeader(request.headers.authorization) === undefined) return response;
  return { ...response, headers: { ...response.headers, 'www-authenticate': 'Basic realm="payauth"' } };
}
