import { type ApiKeyRequest, parseApiKeyRequest, RejectionError, verifyApiSecret } from '@payauth/core';
import type { AuthContext } from '../context.ts';
import { acceptedByAnyLive } from '../credentials/resolver.ts';
import { jsonResponse, singleHeader } from '../http/headers.ts';
import type { RequestHandler } from '../http/types.ts';
import { admit, auditSuccess, refuseInvalid, reject } from '../rejection.ts';

const FACTS = { surface: 'api-key', mechanism: 'api-key' } as const;

/**
 * `POST /business/auth` (WakaPay): the documented 400 cases, then the secret compared as a keyed hash in constant
 * time against every live secret; a wrong key and a wrong secret get the same 401.
 *
 * @example
 * ```ts
 * const endpoint = createApiKeyEndpoint(context); const response = await endpoint(request)
 * ```
 */
export function createApiKeyEndpoint(context: AuthContext): RequestHandler {
  const pepper = context.envelope.deriveKey('api-key-secret-hash');
  return async function apiKeyEndpoint(request) {
    let body: ApiKeyRequest;
    try {
      body = parseApiKeyRequest(singleHeader(request.headers['content-type']), request.body ?? '');
    } catch (error) {
      return refuseInvalid(context, request, error, FACTS);
    }
    const facts = { ...FACTS, publicId: body.apiKey };
    const admission = admit(context, request, 'api-key', facts);
    const admitted = admission instanceof Promise ? await admission : admission;
    if (admitted.refused) return admitted.refused;
    const { credential } = admitted;
    const now = context.now();
    try {
      const verified =
        credential !== undefined &&
        acceptedByAnyLive(credential.secretHashes, now, ({ hash }) =>
          verifyApiSecret(pepper, body.apiSecret, hash),
        );
      if (!credential || !verified) {
        throw new RejectionError(
          'ERR_API_KEY_CREDENTIALS_INVALID',
          credential ? 'the api secret does not match' : 'unknown apiKey',
        );
      }
      if (credential.record.status !== 'active') {
        throw new RejectionError('ERR_CREDENTIAL_REVOKED', 'the api key was revoked');
      }
    } catch (error) {
      if (!(error instanceof RejectionError)) throw error;
      return reject(
        context,
        request,
        error,
        credential ? { ...facts, credentialId: credential.record.id } : facts,
      );
    }
    const lifetime = context.config.apiKey.lifetimeSeconds;
    const { token } = context.issuer.issue(
      {
        sub: credential.record.id,
        client_id: credential.record.publicId,
        partner: credential.record.partnerId,
        mechanism: 'api-key',
      },
      lifetime,
    );
    auditSuccess(context, request, {
      mechanism: 'api-key',
      credentialId: credential.record.id,
      partnerId: credential.record.partnerId,
      publicId: body.apiKey,
    });
    return jsonResponse(200, { accessToken: token, expiresIn: lifetime }, { 'cache-control': 'no-store' });
  };
}
