import {
  type AccessTokenClaims,
  accessTokenAudience,
  equalInConstantTime,
  type Mechanism,
  RejectionError,
  type Surface,
  verifyApiSecret,
} from '@payauth/core';
import type { AuthContext } from '../context.ts';
import { acceptedByAnyLive, type ResolvedCredential } from '../credentials/resolver.ts';
import { singleHeader } from '../http/headers.ts';
import type { AuthRequest, GuardResult } from '../http/types.ts';
import { accept, checkAttempt, type RejectionFacts, refuseGuard } from '../rejection.ts';
import { whenSettled } from '../sync.ts';

/** Options of {@link createBearerGuard}. */
export interface BearerGuardOptions {
  /** The documented error shape of the protected routes. */
  readonly surface: Surface;
  /** Mechanisms whose tokens this route accepts. */
  readonly mechanisms: readonly Mechanism[];
  /** eMoney: also require the `apikey` header of the token's client. */
  readonly requireApikey?: boolean;
}

/**
 * A Bearer guard for tokens this server issued (RFC 6750): the token's signature and expiry, its audience (RFC 9068:
 * `<issuer>/<mechanism>` of an accepted mechanism) and the mechanism that issued it, the credential still active (a
 * revoked credential's tokens stop working within the poll interval), and for eMoney the `apikey` header, compared as
 * a keyed hash in constant time.
 *
 * @example
 * ```ts
 * const guard = createBearerGuard(context, { surface: 'bearer', mechanisms: ['private-key-jwt'], requireApikey: true })
 * ```
 */
export function createBearerGuard(
  context: AuthContext,
  options: BearerGuardOptions,
): (request: AuthRequest) => GuardResult | Promise<GuardResult> {
  const guard: BearerGuard = {
    context,
    options,
    apikeyPepper: context.envelope.deriveKey('private-key-jwt-apikey-hash'),
    baseFacts: { surface: options.surface, mechanism: 'bearer' },
    verifiedApikeys: new WeakMap<ResolvedCredential, string>(),
    // RFC 9068 §4: the resource server checks that the token was meant for it. One audience per mechanism.
    audiences: options.mechanisms.map((mechanism) => accessTokenAudience(context.config.issuer, mechanism)),
  };
  // The hot path awaits nothing when the shared state is in-process and the token and credential are cached: no
  // promise is made between the header and the verdict (docs/architecture.md, "Hot paths"; the figure is in ../sync.ts).
  return function bearerGuard(request) {
    const header = singleHeader(request.headers.authorization);
    // Fast path: "Bearer <token>" sliced without a regex over the whole (long) token; the issuer checks the token's
    // characters when it is not already in its cache of verified tokens.
    const token =
      header !== undefined && header.length > 7 && /^bearer /i.test(header.slice(0, 7))
        ? header.slice(7).trim()
        : undefined;
    const overBudget = checkAttempt(context, request, guard.baseFacts);
    if (overBudget === undefined) return checkToken(guard, request, header, token);
    return overBudget.then((response) =>
      response ? { ok: false as const, response } : checkToken(guard, request, header, token),
    );
  };
}

/** What a Bearer guard built once: its options, the apikey pepper, the audiences it accepts, the apikey memo. */
interface BearerGuard {
  readonly context: AuthContext;
  readonly options: BearerGuardOptions;
  readonly apikeyPepper: ReturnType<AuthContext['envelope']['deriveKey']>;
  readonly baseFacts: RejectionFacts;
  readonly verifiedApikeys: WeakMap<ResolvedCredential, string>;
  readonly audiences: readonly string[];
}

function checkToken(
  guard: BearerGuard,
  request: AuthRequest,
  header: string | undefined,
  token: string | undefined,
): GuardResult | Promise<GuardResult> {
  if (token === undefined || token.length === 0 || token.includes(' ')) {
    const code = header === undefined ? 'ERR_TOKEN_MISSING' : 'ERR_TOKEN_INVALID';
    const error = new RejectionError(code, 'no Bearer token in Authorization');
    return refuseGuard(guard.context, request, error, guard.baseFacts);
  }
  let verified: AccessTokenClaims | Promise<AccessTokenClaims>;
  try {
    verified = guard.context.issuer.verify(token);
  } catch (error) {
    return refuseVerifierError(guard, request, error, guard.baseFacts);
  }
  if (!(verified instanceof Promise)) return checkClaims(guard, request, verified);
  return verified.then(
    (claims) => checkClaims(guard, request, claims),
    (error: unknown) => refuseVerifierError(guard, request, error, guard.baseFacts),
  );
}

function checkClaims(
  guard: BearerGuard,
  request: AuthRequest,
  claims: AccessTokenClaims,
): GuardResult | Promise<GuardResult> {
  if (!guard.audiences.includes(claims.aud)) {
    const error = new RejectionError('ERR_TOKEN_INVALID', 'the token was issued for another audience');
    return refuseGuard(guard.context, request, error, guard.baseFacts);
  }
  if (!guard.options.mechanisms.includes(claims.mechanism)) {
    const reason = `a ${claims.mechanism} token is not accepted on this route`;
    return refuseGuard(
      guard.context,
      request,
      new RejectionError('ERR_TOKEN_INVALID', reason),
      guard.baseFacts,
    );
  }
  return whenSettled(guard.context.resolver.resolveById(claims.sub), checkCredential, guard, request, claims);
}

/** Why the credential behind a valid token does not pass (revoked; eMoney: the apikey header), if it does not. */
function credentialFailure(
  guard: BearerGuard,
  request: AuthRequest,
  credential: ResolvedCredential | undefined,
): RejectionError | undefined {
  if (credential?.record.status !== 'active') {
    return new RejectionError('ERR_CREDENTIAL_REVOKED', 'the credential behind this token was revoked');
  }
  if (!guard.options.requireApikey) return undefined;
  const apikey = singleHeader(request.headers.apikey);
  if (apikey === undefined || apikey === '')
    return new RejectionError('ERR_APIKEY_MISSING', 'no apikey header');
  // The apikey that last matched this credential's hash is kept with the resolved credential (a WeakMap: any change
  // to the credential makes a new object, so the memo goes with it) and compared in constant time; only an unknown
  // value pays for the keyed hash.
  const remembered = guard.verifiedApikeys.get(credential);
  if (remembered !== undefined && equalInConstantTime(remembered, apikey)) return undefined;
  const accepted = acceptedByAnyLive(credential.apikeyHashes, guard.context.now(), ({ hash }) =>
    verifyApiSecret(guard.apikeyPepper, apikey.slice(0, 256), hash),
  );
  if (!accepted) return new RejectionError('ERR_APIKEY_INVALID', "the apikey header is not this client's");
  guard.verifiedApikeys.set(credential, apikey);
  return undefined;
}

function checkCredential(
  guard: BearerGuard,
  request: AuthRequest,
  claims: AccessTokenClaims,
  credential: ResolvedCredential | undefined,
): GuardResult | Promise<GuardResult> {
  const failure = credentialFailure(guard, request, credential);
  if (failure !== undefined || credential === undefined) {
    const facts = {
      ...guard.baseFacts,
      credentialId: claims.sub,
      ...(credential ? { publicId: credential.record.publicId } : {}),
    };
    return refuseGuard(guard.context, request, failure!, facts);
  }
  const principal = {
    mechanism: claims.mechanism,
    credentialId: credential.record.id,
    partnerId: credential.record.partnerId,
    publicId: credential.record.publicId,
  };
  accept(guard.context, request, { ...principal, mechanism: 'bearer' });
  return { ok: true, principal };
}

/** A core verifier's thrown refusal, answered; anything else is a bug and goes on. */
function refuseVerifierError(
  guard: BearerGuard,
  request: AuthRequest,
  error: unknown,
  facts: RejectionFacts,
): Promise<GuardResult> {
  if (!(error instanceof RejectionError)) throw error;
  return refuseGuard(guard.context, request, error, facts);
}
