import { type ApiKeyRequest, parseApiKeyRequest, RejectionError, verifyApiSecret } from '@payauth/core';
import type { AuthContext } from '../context.ts';
import { acceptedByAnyLive } from '../credentials/resolver.ts';
import { singleHeader } from '../http/headers.ts';
import { jsonResponse } from '../http/response.ts';
import type { RequestHandler } from '../http/types.ts';
import { createTokenEndpoint, type Grant, issueToken } from './token-endpoint.ts';

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
  const lifetime = context.config.apiKey.lifetimeSeconds;
  return createTokenEndpoint(context, {
    mechanism: 'api-key',
    parse(request): (ApiKeyRequest & { publicId: string }) | RejectionError {
      const body = parseApiKeyRequest(singleHeader(request.headers['content-type']), request.body ?? '');
      return { ...body, publicId: body.apiKey };
    },
    verify(body, credential): Grant | RejectionError {
      const verified =
        credential !== undefined &&
        acceptedByAnyLive(credential.secretHashes, context.now(), ({ hash }) =>
          verifyApiSecret(pepper, body.apiSecret, hash),
        );
      if (!credential || !verified) {
        const reason = credential ? 'the api secret does not match' : 'unknown apiKey';
        return new RejectionError('ERR_API_KEY_CREDENTIALS_INVALID', reason);
      }
      if (credential.record.status !== 'active') {
        return new RejectionError('ERR_CREDENTIAL_REVOKED', 'the api key was revoked');
      }
      return { credential };
    },
    issue(granted) {
      const accessToken = issueToken(context, 'api-key', granted, lifetime);
      return jsonResponse(200, { accessToken, expiresIn: lifetime }, { 'cache-control': 'no-store' });
    },
  });
}
