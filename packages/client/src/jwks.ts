/**
 * `@payauth/client/jwks` — a resource server's check of the access tokens a payauth server (or its sandbox) issues:
 * signature by a key of the issuer's JWKS, `iss`, `aud`, `exp`. Web standards only (jose on WebCrypto), so it runs on
 * Node, Bun, Deno, Workers and edge runtimes alike.
 *
 * @packageDocumentation
 */
import { PayauthError } from '@payauth/core';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';

/** Options of {@link createJwksVerifier}. */
export interface JwksVerifierOptions {
  /** The JWKS URL: `<issuer>/.well-known/jwks.json` for payauth (its metadata's `jwks_uri`). */
  readonly jwksUri: string;
  /** The `iss` every token must carry: the server's public URL. */
  readonly issuer: string;
  /** The `aud` a token must carry (one of them): `<issuer>/<mechanism>` for payauth's tokens. Default: not checked. */
  readonly audience?: string | readonly string[];
  /** Algorithms accepted (default EdDSA and RS256, the two payauth signs with). The key decides, never the header. */
  readonly algorithms?: readonly string[];
  /**
   * Least time between two JWKS fetches caused by unknown `kid`s (default 30 000 ms): a flood of tokens with made-up
   * key ids costs the issuer one fetch per interval, not one per token.
   */
  readonly unknownKidCooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again on the next check (default 600 000 ms). */
  readonly maxAgeMs?: number;
  /** The longest wait for the JWKS (default 5 000 ms). */
  readonly timeoutMs?: number;
  /** Tolerance on `exp`/`nbf`/`iat`, in seconds (default 5). */
  readonly clockToleranceSeconds?: number;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof globalThis.fetch;
  /** Default: `Date.now`. */
  readonly now?: () => number;
}

/** A verified token: its claims and the `kid` of the key that signed it. */
export interface VerifiedToken {
  readonly claims: JWTPayload & { readonly client_id?: string; readonly scope?: string };
  readonly kid: string | undefined;
}

/** The check of {@link createJwksVerifier}. */
export interface JwksVerifier {
  /** Verifies a compact JWS; throws {@link TokenVerificationError} when it does not hold. */
  verify(token: string): Promise<VerifiedToken>;
  /** JWKS fetches made so far (the first one included). */
  readonly fetches: number;
}

/**
 * A token was refused by {@link createJwksVerifier}: `reason` is jose's error code (`ERR_JWKS_NO_MATCHING_KEY` for an
 * unknown `kid` after the refetch allowed, `ERR_JWT_EXPIRED`, `ERR_JWS_SIGNATURE_VERIFICATION_FAILED`,
 * `ERR_JWT_CLAIM_VALIDATION_FAILED`…) or `ERR_JWKS_FETCH` when the JWKS could not be fetched. The message never
 * contains the token.
 *
 * @example
 * ```ts
 * try { await verifier.verify(token) } catch (error) {
 *   if (error instanceof TokenVerificationError) answer401(error.reason)
 * }
 * ```
 */
export class TokenVerificationError extends PayauthError {
  static override code = 'ERR_TOKEN_VERIFICATION';
  /** Why, as a stable code. */
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * Creates a JWKS-based token check for a resource server. The JWKS is fetched on first use and kept `maxAgeMs`; a token
 * whose `kid` is not in it (the issuer rotated its key) makes it fetch the JWKS again at once — at most once per
 * `unknownKidCooldownMs` — and check the token against the new set. Concurrent checks share one fetch.
 *
 * Unlike jose's `createRemoteJWKSet`, whose cooldown runs from every fetch, the cooldown here runs only from fetches an
 * unknown `kid` caused: a rotation just after the first fetch is followed at once (the rehearsal's `key-rotated`).
 *
 * @example
 * ```ts
 * import { createJwksVerifier } from '@payauth/client/jwks'
 * const verifier = createJwksVerifier({
 *   jwksUri: 'http://127.0.0.1:8080/.well-known/jwks.json',
 *   issuer: 'http://127.0.0.1:8080',
 *   audience: 'http://127.0.0.1:8080/api-key',
 * })
 * const { claims } = await verifier.verify(bearerToken)
 * ```
 */
export function createJwksVerifier(options: JwksVerifierOptions): JwksVerifier {
  if (typeof options?.jwksUri !== 'string') throw new TypeError('"jwksUri" must be the JWKS URL');
  const jwksUrl = new URL(options.jwksUri);
  if (typeof options.issuer !== 'string' || options.issuer.length === 0)
    throw new TypeError('"issuer" must be the issuer URL');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const cooldownMs = options.unknownKidCooldownMs ?? 30_000;
  const maxAgeMs = options.maxAgeMs ?? 600_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const algorithms = [...(options.algorithms ?? ['EdDSA', 'RS256'])];

  let keys: { resolve: JWTVerifyGetKey; kids: ReadonlySet<string>; at: number } | undefined;
  let inflight: Promise<void> | undefined;
  let lastUnknownKidFetch = Number.NEGATIVE_INFINITY;
  let fetches = 0;

  const load = async (): Promise<void> => {
    fetches++;
    let set: JSONWebKeySet;
    // A timer of its own rather than `AbortSignal.timeout`, which some web runtimes lack (docs/runtimes.md).
    const timer = new AbortController();
    const handle = setTimeout(() => timer.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      const response = await fetchImpl(jwksUrl, {
        headers: { accept: 'application/json' },
        signal: timer.signal,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      set = (await response.json()) as JSONWebKeySet;
      if (!Array.isArray(set?.keys)) throw new Error('no "keys" array');
    } catch (error) {
      throw new TokenVerificationError(
        'ERR_JWKS_FETCH',
        `the JWKS at ${jwksUrl.origin}${jwksUrl.pathname} could not be fetched (${(error as Error)?.message ?? error})`,
        { cause: error },
      );
    } finally {
      clearTimeout(handle);
    }
    const kids = new Set(set.keys.map((key) => key.kid).filter((kid) => typeof kid === 'string'));
    keys = { resolve: createLocalJWKSet(set), kids, at: now() };
  };
  const reload = (): Promise<void> => {
    inflight ??= load().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  const verifyWith = (token: string, resolve: JWTVerifyGetKey) =>
    jwtVerify(token, resolve, {
      issuer: options.issuer,
      ...(options.audience === undefined
        ? {}
        : { audience: typeof options.audience === 'string' ? options.audience : [...options.audience] }),
      algorithms,
      clockTolerance: options.clockToleranceSeconds ?? 5,
      currentDate: new Date(now()),
    });

  return {
    get fetches() {
      return fetches;
    },
    async verify(token: string): Promise<VerifiedToken> {
      if (typeof token !== 'string' || token.length > 8192)
        throw new TokenVerificationError(
          'ERR_JWT_INVALID',
          'the token is not a string of at most 8192 characters',
        );
      try {
        if (keys === undefined || now() - keys.at > maxAgeMs) await reload();
        const kid = decodeProtectedHeader(token).kid;
        // An unknown kid: the issuer may have rotated. Fetch again, once per cooldown, whatever the reason.
        if (kid !== undefined && !keys!.kids.has(kid) && now() - lastUnknownKidFetch >= cooldownMs) {
          lastUnknownKidFetch = now();
          await reload();
        }
        const { payload, protectedHeader } = await verifyWith(token, keys!.resolve);
        return { claims: payload, kid: protectedHeader.kid };
      } catch (error) {
        if (error instanceof TokenVerificationError) throw error;
        if (error instanceof errors.JOSEError)
          throw new TokenVerificationError(error.code, `the token was refused: ${error.message}`, {
            cause: error,
          });
        throw new TokenVerificationError('ERR_JWT_INVALID', 'the token could not be read', { cause: error });
      }
    },
  };
}
