import {
  type AccessTokenClaims,
  type Mechanism,
  RejectionError,
  type Surface,
  verifyApiSecret,
} from '@payauth/core';
import {
  type AuthContext,
  type AuthRequest,
  auditSuccess,
  type GuardResult,
  type RejectionFacts,
  refuseOverBudget,
  reject,
  singleHeader,
} from '../context.ts';
import { isLive } from '../credentials/resolver.ts';

/** Options of {@link createBearerGuard}. */
export interface BearerGuardOptions {
  /** The documented error shape of the protected routes. */
  readonly surface: Surface;
  /** Mechanisms whose tokens this route accepts. */
  readonly mechanisms: readonly Mechanism[];
  /** eMoney: also require the `apikey` header of the token's client. */
  readonly requireApikey?: boolean;
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/**
 * A Bearer guard for tokens this server issued (RFC 6750): the token's signature and expiry, the mechanism that
 * issued it, the credential still active (a revoked credential's tokens stop working within the poll interval),
 * and for eMoney the `apikey` header, compared as a keyed hash in constant time.
 *
 * @example
 * ```ts
 * const guard = createBearerGuard(context, { surface: 'bearer', mechanisms: ['private-key-jwt'], requireApikey: true })
 * ```
 */
export function createBearerGuard(
  context: AuthContext,
  options: BearerGuardOptions,
): (request: AuthRequest) => Promise<GuardResult> {
  const apikeyPepper = context.envelope.deriveKey('private-key-jwt-apikey-hash');
  const baseFacts: RejectionFacts = { surface: options.surface, mechanism: 'bearer' };
  return async function bearerGuard(request) {
    const header = singleHeader(request.headers.authorization);
    const match = header === undefined ? null : BEARER.exec(header);
    const over = await refuseOverBudget(context, request, baseFacts);
    if (over) return { ok: false, response: over };
    if (!match) {
      const code = header === undefined ? 'ERR_TOKEN_MISSING' : 'ERR_TOKEN_INVALID';
      return {
        ok: false,
        response: await reject(
          context,
          request,
          new RejectionError(code, 'no Bearer token in Authorization'),
          baseFacts,
        ),
      };
    }
    let claims: AccessTokenClaims;
    try {
      claims = await context.issuer.verify(match[1]!);
      if (!options.mechanisms.includes(claims.mechanism)) {
        throw new RejectionError(
          'ERR_TOKEN_INVALID',
          `a ${claims.mechanism} token is not accepted on this route`,
        );
      }
    } catch (error) {
      if (!(error instanceof RejectionError)) throw error;
      return { ok: false, response: await reject(context, request, error, baseFacts) };
    }
    const credential = await context.resolver.resolveById(claims.sub);
    const facts = {
      ...baseFacts,
      credentialId: claims.sub,
      ...(credential ? { publicId: credential.record.publicId } : {}),
    };
    try {
      if (credential?.record.status !== 'active') {
        throw new RejectionError('ERR_CREDENTIAL_REVOKED', 'the credential behind this token was revoked');
      }
      if (options.requireApikey) {
        const apikey = singleHeader(request.headers.apikey);
        if (apikey === undefined || apikey === '')
          throw new RejectionError('ERR_APIKEY_MISSING', 'no apikey header');
        const now = context.now();
        const live = credential.apikeyHashes.filter((h) => isLive(h, now));
        if (!live.some((h) => matches(() => verifyApiSecret(apikeyPepper, apikey.slice(0, 256), h.hash)))) {
          throw new RejectionError('ERR_APIKEY_INVALID', "the apikey header is not this client's");
        }
      }
    } catch (error) {
      if (!(error instanceof RejectionError)) throw error;
      return { ok: false, response: await reject(context, request, error, facts) };
    }
    const principal = {
      mechanism: claims.mechanism,
      credentialId: credential.record.id,
      partnerId: credential.record.partnerId,
      publicId: credential.record.publicId,
    };
    auditSuccess(context, request, { ...principal, mechanism: 'bearer' });
    return { ok: true, principal };
  };
}

function matches(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}
