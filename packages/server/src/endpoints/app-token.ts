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
import { jsonResponse, singleHeader } from '../http/headers.ts';
import type { RequestHandler } from '../http/types.ts';
import { admit, auditSuccess, refuseInvalid, reject } from '../rejection.ts';

const FACTS = { surface: 'app-token', mechanism: 'app-token' } as const;

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
  return async function appTokenEndpoint(request) {
    let body: AppTokenRequest;
    try {
      // Document 002 declares the request body `application/json` (its C# example sends exactly that): a body
      // declared as anything else is an invalid parameter, as WakaPay's endpoint does for its own documented type.
      if (!isJsonContentType(singleHeader(request.headers['content-type']))) {
        throw new RejectionError(
          'ERR_APP_TOKEN_PARAMETER_INVALID',
          'the Content-Type is not application/json',
          {
            publicMessage: 'Invalid request parameters: Content-Type must be application/json',
          },
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(request.body ?? '');
      } catch {
        throw new RejectionError('ERR_APP_TOKEN_PARAMETER_INVALID', 'the body is not JSON', {
          publicMessage: 'Invalid request parameters: the body must be JSON',
        });
      }
      body = parseAppTokenRequest(parsed);
    } catch (error) {
      return refuseInvalid(context, request, error, FACTS);
    }
    const facts = { ...FACTS, publicId: body.application_id };
    const admission = admit(context, request, 'app-token', facts);
    const admitted = admission instanceof Promise ? await admission : admission;
    if (admitted.refused) return admitted.refused;
    const { credential } = admitted;
    if (!credential) {
      const unknown = new RejectionError('ERR_APP_TOKEN_APPLICATION_UNKNOWN', 'unknown application_id');
      return reject(context, request, unknown, facts);
    }
    const known = { ...facts, credentialId: credential.record.id };
    const now = context.now();
    try {
      const verified = acceptedByAnyLive(credential.appSecrets, now, ({ secret }) =>
        verifyAppTokenSignature(body, secret),
      );
      if (!verified)
        throw new RejectionError('ERR_APP_TOKEN_SIGNATURE_MISMATCH', 'the signature does not match');
      if (credential.record.status !== 'active') {
        throw new RejectionError('ERR_CREDENTIAL_REVOKED', 'the application was revoked', {
          publicMessage: 'Application revoked',
        });
      }
      if (config.appToken.strict || credential.record.options.strict === true) {
        checkAppTokenDate(body.date, now, config.appToken.dateWindowMs);
        const first = await context.state.consumeOnce(
          `app-token:${body.application_id}:${body.signature}`,
          config.appToken.dateWindowMs * 2,
        );
        if (!first)
          throw new RejectionError('ERR_APP_TOKEN_REPLAYED', 'strict mode: this signature was already used');
      }
    } catch (error) {
      if (!(error instanceof RejectionError)) throw error;
      return reject(context, request, error, known);
    }
    const { token } = context.issuer.issue(
      {
        sub: credential.record.id,
        client_id: credential.record.publicId,
        partner: credential.record.partnerId,
        mechanism: 'app-token',
      },
      config.appToken.lifetimeSeconds,
    );
    auditSuccess(context, request, {
      mechanism: 'app-token',
      credentialId: credential.record.id,
      partnerId: credential.record.partnerId,
      publicId: body.application_id,
    });
    return jsonResponse(
      200,
      { request_id: request.requestId, token, expires_in: config.appToken.lifetimeSeconds },
      { 'cache-control': 'no-store' },
    );
  };
}
