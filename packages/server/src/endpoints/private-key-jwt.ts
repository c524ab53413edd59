import {
  assertionAudiences,
  CLIENT_ASSERTION_TYPE,
  type DecodedAssertion,
  decodeClientAssertion,
  isValidPublicId,
  RejectionError,
  verifyClientAssertion,
} from '@payauth/core';
import type { AuthContext } from '../context.ts';
import { jsonResponse, singleHeader } from '../http/headers.ts';
import type { AuthRequest, NeutralResponse, RequestHandler } from '../http/types.ts';
import { admit, auditSuccess, refuseInvalid, reject } from '../rejection.ts';

const FACTS = { surface: 'private-key-jwt', mechanism: 'private-key-jwt' } as const;

function invalidRequest(reason: string): RejectionError {
  return new RejectionError('ERR_OAUTH_INVALID_REQUEST', reason, { publicMessage: reason });
}

/**
 * Reads an `application/x-www-form-urlencoded` body. A repeated parameter is invalid (RFC 6749 §3.1); an unrecognized
 * one is kept and ignored (§3.2: the server MUST ignore it), as MSAL sends eight (`x-client-SKU`, `client-request-id`,
 * …) and openid-client sends `resource`.
 */
function parseForm(request: AuthRequest): Map<string, string> {
  const type = singleHeader(request.headers['content-type'])?.split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw invalidRequest('the body must be application/x-www-form-urlencoded');
  }
  const form = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(request.body ?? '')) {
    if (form.has(name)) throw invalidRequest(`parameter ${name.slice(0, 40)} is repeated`);
    form.set(name, value);
  }
  return form;
}

/**
 * `POST /connect/token` (eMoney): OAuth 2 client_credentials with an RFC 7523 client assertion. Checks in docs/providers/private-key-jwt.md's
 * order: form shape → assertion parses → client known and active → alg → signature by a live certificate chosen by
 * kid → iss = sub → aud → exp → nbf/iat → and only then the replay record, atomically in the shared state.
 *
 * @example
 * ```ts
 * const endpoint = createPrivateKeyJwtEndpoint(context); const response = await endpoint(request)
 * ```
 */
export function createPrivateKeyJwtEndpoint(context: AuthContext): RequestHandler {
  const { config } = context;
  const audiences = assertionAudiences(config.issuer);
  return async function privateKeyJwtEndpoint(request) {
    const usedAuthorizationHeader = singleHeader(request.headers.authorization) !== undefined;
    let form: Map<string, string>;
    let decoded: DecodedAssertion;
    let clientId: string;
    try {
      form = parseForm(request);
      const grantType = form.get('grant_type');
      if (!grantType) throw invalidRequest('grant_type is required');
      if (grantType !== 'client_credentials') {
        throw new RejectionError('ERR_OAUTH_UNSUPPORTED_GRANT_TYPE', 'only client_credentials is supported');
      }
      const assertion = form.get('client_assertion');
      if (usedAuthorizationHeader && assertion !== undefined) {
        throw invalidRequest(
          'use one client authentication method, not the Authorization header and an assertion',
        );
      }
      if (assertion === undefined) {
        throw new RejectionError(
          'ERR_ASSERTION_MALFORMED',
          usedAuthorizationHeader
            ? 'only private_key_jwt client authentication is supported'
            : 'client_assertion is missing',
        );
      }
      if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
        throw invalidRequest(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
      }
      decoded = decodeClientAssertion(assertion);
      const sub = decoded.payload.sub;
      if (!isValidPublicId(sub)) {
        throw new RejectionError('ERR_ASSERTION_MALFORMED', 'sub is not a client_id');
      }
      clientId = sub;
      const formClientId = form.get('client_id');
      if (formClientId !== undefined && formClientId !== clientId) {
        throw new RejectionError(
          'ERR_ASSERTION_CLIENT_ID_MISMATCH',
          'client_id differs from the assertion sub',
        );
      }
    } catch (error) {
      return withChallenge(await refuseInvalid(context, request, error, FACTS), usedAuthorizationHeader);
    }
    const facts = { ...FACTS, publicId: clientId };
    const admission = admit(context, request, 'private-key-jwt', facts);
    const admitted = admission instanceof Promise ? await admission : admission;
    if (admitted.refused) return admitted.refused;
    const { credential } = admitted;
    const now = context.now();
    let replayKey: string;
    let expiresAt: number;
    let scope: string;
    try {
      if (!credential)
        throw new RejectionError('ERR_ASSERTION_CLIENT_UNKNOWN', 'no client has this client_id');
      if (credential.record.status !== 'active') {
        // Checked before the signature (docs/providers/private-key-jwt.md's order), so the public answer must not tell a stranger that this
        // client_id exists and was revoked: the generic one; the reason goes to the log, the audit and a hint.
        throw new RejectionError('ERR_CREDENTIAL_REVOKED', 'the client was revoked', {
          publicMessage: 'client authentication failed',
        });
      }
      ({ replayKey, expiresAt } = verifyClientAssertion(
        decoded,
        { clientId, certificates: credential.certificates },
        {
          audiences,
          algorithms: config.privateKeyJwt.algorithms,
          now,
          clockToleranceSeconds: config.privateKeyJwt.clockToleranceSeconds,
          maxLifetimeSeconds: config.privateKeyJwt.maxAssertionLifetimeSeconds,
        },
      ));
      const allowed = String(credential.record.options.scope ?? config.privateKeyJwt.scopes.join(' ')).split(
        ' ',
      );
      const requested = (form.get('scope') ?? allowed.join(' ')).split(' ').filter(Boolean);
      if (requested.length === 0 || !requested.every((s) => allowed.includes(s))) {
        throw new RejectionError('ERR_OAUTH_INVALID_SCOPE', 'requested scope is not allowed');
      }
      scope = requested.join(' ');
      // Last, and atomically: exactly one of concurrent requests with this assertion gets a token.
      const first = await context.state.consumeOnce(
        `assertion:${replayKey}`,
        Math.max(1000, expiresAt - now),
      );
      if (!first) throw new RejectionError('ERR_ASSERTION_REPLAYED', 'this assertion was already used');
    } catch (error) {
      if (!(error instanceof RejectionError)) throw error;
      const known = credential ? { ...facts, credentialId: credential.record.id } : facts;
      return reject(context, request, error, known);
    }
    const lifetime = config.privateKeyJwt.lifetimeSeconds;
    const { token } = context.issuer.issue(
      {
        sub: credential.record.id,
        client_id: clientId,
        partner: credential.record.partnerId,
        mechanism: 'private-key-jwt',
        scope,
      },
      lifetime,
    );
    auditSuccess(context, request, {
      mechanism: 'private-key-jwt',
      credentialId: credential.record.id,
      partnerId: credential.record.partnerId,
      publicId: clientId,
    });
    return jsonResponse(
      200,
      { access_token: token, token_type: 'Bearer', expires_in: lifetime, scope },
      { 'cache-control': 'no-store', pragma: 'no-cache' },
    );
  };
}

/** RFC 6749 §5.2: a client that tried the Authorization header gets a challenge with its 401. */
function withChallenge(response: NeutralResponse, usedAuthorizationHeader: boolean): NeutralResponse {
  if (!usedAuthorizationHeader || response.status !== 401) return response;
  return { ...response, headers: { ...response.headers, 'www-authenticate': 'Basic realm="payauth"' } };
}
