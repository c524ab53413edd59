import type { KeyObject } from 'node:crypto';
import { platform } from '#platform';
import { decodeBase64url, decodeBase64urlText, encodeBase64url } from '../encoding/base64url.ts';
import type { Mechanism } from '../errors/codes.ts';
import { RejectionError } from '../errors/errors.ts';

/**
 * Claims of an access token payauth's server issues: RFC 9068 §2.2's `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`,
 * `jti` (header `typ: at+jwt`), and payauth's own `partner`, `mechanism`, `scope`.
 */
export interface AccessTokenClaims {
  /** The issuer URL. */
  readonly iss: string;
  /** The audience: one per token mechanism, {@link accessTokenAudience} (`<issuer>/<mechanism>`). */
  readonly aud: string;
  /** The credential the token was issued to (its id in the store). */
  readonly sub: string;
  /** The client's public id: the application_id, client_id or apiKey it authenticated with (RFC 9068 §2.2). */
  readonly client_id: string;
  /** The partner that owns the credential. */
  readonly partner: string;
  /** The mechanism that issued it. */
  readonly mechanism: Mechanism;
  readonly scope?: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

/**
 * The audience of the tokens a mechanism's token endpoint issues, and that its Bearer guard requires: the issuer URL
 * followed by the mechanism name (`http://127.0.0.1:8080/api-key`). One audience per surface, so a token obtained for
 * one provider's API is refused by another's even by a resource server that reads only the standard claims.
 *
 * @example
 * ```ts
 * accessTokenAudience('https://auth.example.com', 'private-key-jwt') // 'https://auth.example.com/private-key-jwt'
 * ```
 */
export function accessTokenAudience(issuer: string, mechanism: Mechanism): string {
  return `${issuer.replace(/\/+$/, '')}/${mechanism}`;
}

/** Algorithms of issued tokens: EdDSA (Ed25519, the default: ~10x faster to sign than RS256) or RS256. */
export type AccessTokenAlgorithm = 'EdDSA' | 'RS256';

/** A server signing key, with the `kid` published in the JWKS; its algorithm follows from its type. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** The JWS algorithm of a key: EdDSA for Ed25519, RS256 for RSA; undefined for any other type. */
export function accessTokenAlgorithm(key: KeyObject): AccessTokenAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  return undefined;
}

const JTI_BYTES = 12;
// Token ids are drawn from a pooled CSPRNG buffer, one call per 256 tokens: one `randomBytes(12)` per token was 4.9 %
// of a /connect/token request in its CPU profile (bench/README.md), for 12 bytes; the call is the cost, not the bytes.
// Made on first use, so that loading core allocates nothing (and needs no Buffer on web runtimes).
const JTI_POOL_BYTES = JTI_BYTES * 256;
let jtiPool: Uint8Array | undefined;
let jtiOffset = JTI_POOL_BYTES;

/** A fresh 96-bit token id (16 base64url characters) from the pool. */
function nextTokenId(): string {
  if (jtiOffset === JTI_POOL_BYTES) {
    jtiPool ??= new Uint8Array(JTI_POOL_BYTES);
    crypto.getRandomValues(jtiPool);
    jtiOffset = 0;
  }
  const id = platform.encodeBase64url(jtiPool!.subarray(jtiOffset, jtiOffset + JTI_BYTES));
  jtiOffset += JTI_BYTES;
  return id;
}

// The JWS header depends on the key only: encoded once per signing key.
const encodedHeaders = new WeakMap<SigningKey, { alg: AccessTokenAlgorithm; header: string }>();

function encodedHeaderOf(key: SigningKey): { alg: AccessTokenAlgorithm; header: string } {
  let known = encodedHeaders.get(key);
  if (known === undefined) {
    const alg = accessTokenAlgorithm(key.privateKey);
    if (alg === undefined) throw new TypeError('signing keys are Ed25519 or RSA');
    known = { alg, header: encodeBase64url(JSON.stringify({ alg, typ: 'at+jwt', kid: key.kid })) };
    encodedHeaders.set(key, known);
  }
  return known;
}

/**
 * Signs an access token (compact JWS, EdDSA or RS256 by the key's type) with node:crypto (the runtime's own on
 * web runtimes: workerd with `nodejs_compat`).
 *
 * @example
 * ```ts
 * signAccessToken({ iss, aud, sub, client_id, partner, mechanism: 'api-key' }, 3600, signingKey, Date.now())
 * ```
 */
export function signAccessToken(
  claims: Omit<AccessTokenClaims, 'iat' | 'exp' | 'jti'>,
  lifetimeSeconds: number,
  key: SigningKey,
  now: number,
): { token: string; claims: AccessTokenClaims } {
  const iat = Math.floor(now / 1000);
  const full: AccessTokenClaims = {
    ...claims,
    iat,
    exp: iat + lifetimeSeconds,
    jti: nextTokenId(),
  };
  const { alg, header } = encodedHeaderOf(key);
  const input = `${header}.${encodeBase64url(JSON.stringify(full))}`;
  const signature = platform.encodeBase64url(
    platform.nodeCrypto().sign(alg === 'EdDSA' ? null : 'sha256', platform.encodeUtf8(input), key.privateKey),
  );
  return { token: `${input}.${signature}`, claims: full };
}

/** Longest bearer token the verifier reads. */
export const ACCESS_TOKEN_MAX_LENGTH = 4096;

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Verifies an access token issued by {@link signAccessToken}: shape, `kid` known, the key's algorithm, signature,
 * `iss`, `exp`, an `aud` present (which audience a route accepts is the caller's check: {@link accessTokenAudience}).
 * Throws `ERR_TOKEN_INVALID` or `ERR_TOKEN_EXPIRED`; never echoes the token.
 *
 * @example
 * ```ts
 * const claims = verifyAccessToken(token, { keys, issuer, now: Date.now() })
 * ```
 */
export function verifyAccessToken(
  token: string,
  options: { keys: ReadonlyMap<string, KeyObject>; issuer: string; now: number },
): AccessTokenClaims {
  if (token.length > ACCESS_TOKEN_MAX_LENGTH || !COMPACT.test(token)) {
    throw new RejectionError('ERR_TOKEN_INVALID', 'the token is not a compact JWS');
  }
  const [headerPart, payloadPart, signaturePart] = token.split('.') as [string, string, string];
  let header: { alg?: unknown; kid?: unknown };
  let claims: AccessTokenClaims;
  try {
    header = JSON.parse(decodeBase64urlText(headerPart)!);
    claims = JSON.parse(decodeBase64urlText(payloadPart)!);
  } catch {
    throw new RejectionError('ERR_TOKEN_INVALID', 'the token does not decode');
  }
  if (header === null || claims === null || typeof claims !== 'object') {
    throw new RejectionError('ERR_TOKEN_INVALID', 'the token does not decode');
  }
  // RFC 7515 §4.1.11: no `crit` extension is understood, so a token naming one is refused.
  if ((header as { crit?: unknown }).crit !== undefined) {
    throw new RejectionError('ERR_TOKEN_INVALID', 'the header has a crit parameter');
  }
  const key = typeof header.kid === 'string' ? options.keys.get(header.kid) : undefined;
  // The algorithm is the key's, never the header's choice: a header naming another one is refused.
  if (key === undefined || header.alg !== accessTokenAlgorithm(key)) {
    throw new RejectionError('ERR_TOKEN_INVALID', 'unknown signing key or algorithm');
  }
  const signature = decodeBase64url(signaturePart);
  let valid = false;
  try {
    const data = platform.encodeUtf8(`${headerPart}.${payloadPart}`);
    valid =
      signature !== undefined &&
      platform.nodeCrypto().verify(header.alg === 'EdDSA' ? null : 'sha256', data, key, signature);
  } catch {
    // A key and signature OpenSSL cannot pair is a bad token, never a server error.
  }
  if (!valid) throw new RejectionError('ERR_TOKEN_INVALID', 'the token signature does not verify');
  if (
    claims.iss !== options.issuer ||
    typeof claims.exp !== 'number' ||
    typeof claims.sub !== 'string' ||
    typeof claims.aud !== 'string'
  ) {
    throw new RejectionError('ERR_TOKEN_INVALID', 'the token was not issued here');
  }
  if (claims.exp * 1000 <= options.now) {
    throw new RejectionError('ERR_TOKEN_EXPIRED', 'the token has expired', { sub: claims.sub });
  }
  return claims;
}

/**
 * The public JWK of a signing key, for `/.well-known/jwks.json`.
 *
 * @example
 * ```ts
 * publicJwk(signingKey) // { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' }
 * ```
 */
export function publicJwk(key: SigningKey): Record<string, string> {
  const jwk = platform.nodeCrypto().createPublicKey(key.privateKey).export({ format: 'jwk' }) as Record<
    string,
    string
  >;
  return { ...jwk, kid: key.kid, alg: accessTokenAlgorithm(key.privateKey) ?? 'RS256', use: 'sig' };
}
