import {
  type AppTokenRequest,
  checkAppTokenDate,
  isJsonContentType,
  parseAppTokenRequest,
  RejectionError,
  verifyAppTokenSignature,
} from '@payauth/core';
import type { AuthContext } from '../context.ts';
import { acceptedByAnyLive } from '../credentials/resolver.ts';
import { singleHeader } from '../http/headers.ts';
import { jsonResponse } from '../http/response.ts';
import type { AuthRequest, RequestHandler } from '../http/types.ts';
import { createTokenEndpoint, type Grant, issueToken } from './token-endpoint.ts';

function invalidParameter(reason: string, publicMessage: string): RejectionError {
  return new RejectionError('ERR_APP_TOKEN_PARAMETER_INVALID', reason, { publicMessage });
}

/** The documented body, or why not. */
function parseBody(request: AuthRequest): (AppTokenRequest & { publicId: string }) | RejectionError {
  // Document 002 declares the request body `application/json` (its C# example sends exactly that): a body declared as
  // anything else is an invalid parameter, as WakaPay's endpoint does for its own documented type.
  if (!isJsonContentType(singleHeader(request.headers['content-type']))) {
    return invalidParameter(
      'the Content-Type is not application/json',
      'Invalid request parameters: Content-Type must be application/json',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body ?? '');
  } catch {
    return invalidParameter('the body is not JSON', 'Invalid request parameters: the body must be JSON');
  }
  const body = parseAppTokenRequest(parsed);
  return { ...body, publicId: body.application_id };
}

/**
 * `POST /authorizer/token/application/get` (Fondy): validates the documented body, verifies the SHA-512 signature
 * against every live secret, and in strict mode (server-wide or per credential) requires a recent date and accepts
 * a signature once. A wrong signature and an unknown application get the same 403 "Incorrect signature".
 *
 * @example
 * ```ts
 * const endpoint = createAppTokenEndpoint(context); const response = await endpoint(request)
 * ```
 */
export function createAppTokenEndpoint(context: AuthContext): RequestHandler {
  const { config } = context;
  const lifetime = config.appToken.lifetimeSeconds;
  return createTokenEndpoint(context, {
    mechanism: 'app-token',
    parse: parseBody,
    async verify(body, credential): Promise<Grant | RejectionError> {
      if (!credential)
        return new RejectionError('ERR_APP_TOKEN_APPLICATION_UNKNOWN', 'unknown application_id');
      const now = context.now();
      const verified = acceptedByAnyLive(credential.appSecrets, now, ({ secret }) =>
        verifyAppTokenSignature(body, secret),
      );
      if (!verified)
        return new RejectionError('ERR_APP_TOKEN_SIGNATURE_MISMATCH', 'the signature does not match');
      if (credential.record.status !== 'active') {
        return new RejectionError('ERR_CREDENTIAL_REVOKED', 'the application was revoked', {
          publicMessage: 'Application revoked',
        });
      }
      if (config.appToken.strict || credential.record.options.strict === true) {
        checkAppTokenDate(body.date, now, config.appToken.dateWindowMs);
        const key = `app-token:${body.application_id}:${body.signature}`;
        if (!(await context.state.consumeOnce(key, config.appToken.dateWindowMs * 2))) {
          return new RejectionError('ERR_APP_TOKEN_REPLAYED', 'strict mode: this signature was already used');
        }
      }
      return { credential };
    },
    issue(granted, _body, request) {
      const token = issueToken(context, 'app-token', granted, lifetime);
      const body = { request_id: request.requestId, token, expires_in: lifetime };
      return jsonResponse(200, body, { 'cache-control': 'no-store' });
    },
  });
}
