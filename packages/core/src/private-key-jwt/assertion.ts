import type { KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { platform } from '#platform';
import { decodeBase64url, decodeBase64urlText, encodeBase64url } from '../encoding/base64url.ts';
import { assertString, InvalidOptionError, RejectionError } from '../errors/errors.ts';
import {
  type CertificateLike,
  type CertificateThumbprints,
  computeThumbprints,
  type KidFormat,
  kidMatches,
} from './thumbprints.ts';

/** Signature algorithms a client assertion may use. `none` and HS* are never accepted (docs/providers/private-key-jwt.md). */
export type AssertionAlgorithm = 'RS256' | 'PS256' | 'ES256';

/** The algorithms payauth can sign and verify. */
export const ASSERTION_ALGORITHMS: readonly AssertionAlgorithm[] = ['RS256', 'PS256', 'ES256'];

/** `client_assertion_type` for RFC 7523 client authentication. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Longest assertion the verifier reads. */
export const ASSERTION_MAX_LENGTH = 8192;

/** The longest lifetime the document allows: "no more than one day in advance". */
export const ASSERTION_MAX_LIFETIME_SECONDS = 86_400;

/**
 * A key: a WebCrypto `CryptoKey` or a node:crypto `KeyObject`. Structural (as jose's `KeyLike`), so that neither
 * `node:crypto` nor the DOM types are needed to name it.
 */
export interface KeyLike {
  readonly type: string;
}

/** Options of {@link createClientAssertion} and {@link signClientAssertion}. */
export interface CreateAssertionOptions {
  readonly clientId: string;
  /**
   * The private key (RSA for RS256/PS256, P-256 for ES256): a node:crypto KeyObject, or for
   * {@link signClientAssertion} also a WebCrypto CryptoKey imported for the algorithm.
   */
  readonly privateKey: KeyLike;
  /** The registered certificate; its thumbprint becomes the `kid` unless `kid` is given. */
  readonly certificate?: CertificateLike;
  /** An explicit key id; wins over `certificate`. */
  readonly kid?: string;
  /** Which thumbprint form to send (default `x5t`, as in the document). */
  readonly kidFormat?: KidFormat;
  /** The token endpoint URL (the document's `aud`). */
  readonly audience: string;
  readonly algorithm?: AssertionAlgorithm;
  /** Lifetime in seconds (default 300; at most one day). */
  readonly lifetimeSeconds?: number;
  /** Current time in ms (default `Date.now()`); the client passes its server-corrected clock. */
  readonly now?: number;
  /** Send a random `jti` (default true). */
  readonly jti?: boolean;
}

/** The checked options' algorithm and the JWS signing input `header.payload`. */
function buildSigningInput(options: CreateAssertionOptions): {
  algorithm: AssertionAlgorithm;
  signingInput: string;
} {
  assertString(options.clientId, 'clientId', 256);
  assertString(options.audience, 'audience', 2048);
  const algorithm = options.algorithm ?? 'RS256';
  if (!ASSERTION_ALGORITHMS.includes(algorithm))
    throw new InvalidOptionError('algorithm', 'RS256, PS256 or ES256');
  const lifetime = options.lifetimeSeconds ?? 300;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > ASSERTION_MAX_LIFETIME_SECONDS) {
    throw new InvalidOptionError('lifetimeSeconds', `an integer from 1 to ${ASSERTION_MAX_LIFETIME_SECONDS}`);
  }
  let kid = options.kid;
  if (kid === undefined && options.certificate) {
    kid = computeThumbprints(options.certificate)[options.kidFormat ?? 'x5t'];
  }
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const header: Record<string, string> = { alg: algorithm };
  if (kid !== undefined) header.kid = kid;
  header.typ = 'JWT';
  const payload: Record<string, string | number> = {
    sub: options.clientId,
    iss: options.clientId,
    aud: options.audience,
    exp: now + lifetime,
    iat: now,
    nbf: now,
  };
  if (options.jti !== false) payload.jti = platform.randomBase64url(16);
  return {
    algorithm,
    signingInput: `${encodeBase64url(JSON.stringify(header))}.${encodeBase64url(JSON.stringify(payload))}`,
  };
}

/** True when `key` is a WebCrypto CryptoKey (by shape: a KeyObject has neither `algorithm` nor `usages`). */
function isCryptoKey(key: KeyLike): key is webcrypto.CryptoKey {
  return typeof key === 'object' && key !== null && 'algorithm' in key && 'usages' in key;
}

/**
 * Creates an RFC 7523 client assertion as the eMoney document describes: header `{alg, kid, typ}`, payload
 * `{sub, iss, aud, exp, iat, nbf, jti}`, signed synchronously with node:crypto (a KeyObject). Where there is no
 * node:crypto (a Worker without `nodejs_compat`, an edge function), or for a CryptoKey, use
 * {@link signClientAssertion}: the same bytes, signed with WebCrypto.
 *
 * @example
 * ```ts
 * const jwt = createClientAssertion({ clientId, privateKey, certificate, audience: 'https://signin.emaplan.com/connect/token' })
 * ```
 */
export function createClientAssertion(options: CreateAssertionOptions): string {
  if (isCryptoKey(options.privateKey)) {
    throw new InvalidOptionError('privateKey', 'a KeyObject here (signClientAssertion takes a CryptoKey)');
  }
  const { algorithm, signingInput } = buildSigningInput(options);
  const signature = signJws(algorithm, options.privateKey as KeyObject, signingInput);
  return `${signingInput}.${encodeBase64url(signature)}`;
}

/** WebCrypto's parameters of each algorithm (the hash is the key's, fixed when it was imported). */
const WEB_SIGN_PARAMETERS = {
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
} as const;

/**
 * Creates the same client assertion as {@link createClientAssertion}, on every runtime: with a WebCrypto `CryptoKey`
 * (imported for the algorithm: RSASSA-PKCS1-v1_5 for RS256, RSA-PSS for PS256, ECDSA P-256 for ES256; ES256's
 * signature is then already JOSE's raw `r‖s`) it signs through `crypto.subtle`; with a node:crypto KeyObject, through
 * node:crypto as `createClientAssertion` does.
 *
 * @example
 * ```ts
 * const jwt = await signClientAssertion({ clientId, privateKey: cryptoKey, kid, audience: tokenUrl })
 * ```
 */
export async function signClientAssertion(options: CreateAssertionOptions): Promise<string> {
  const key = options.privateKey;
  if (!isCryptoKey(key)) return createClientAssertion(options);
  const { algorithm, signingInput } = buildSigningInput(options);
  const parameters = WEB_SIGN_PARAMETERS[algorithm];
  if (key.algorithm.name !== parameters.name || key.type !== 'private') {
    throw new InvalidOptionError('privateKey', `a private CryptoKey imported for ${parameters.name}`);
  }
  // Called on crypto.subtle itself: a platform method detached from its object throws "Illegal invocation" on workerd.
  const signature = await crypto.subtle.sign(parameters, key, platform.encodeUtf8(signingInput));
  return `${signingInput}.${encodeBase64url(new Uint8Array(signature))}`;
}

function signJws(algorithm: AssertionAlgorithm, key: KeyObject, input: string): Uint8Array {
  const crypto = platform.nodeCrypto();
  const data = platform.encodeUtf8(input);
  switch (algorithm) {
    case 'RS256':
      return crypto.sign('sha256', data, key);
    case 'PS256':
      return crypto.sign('sha256', data, {
        key,
        padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
    case 'ES256':
      return crypto.sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  }
}

function verifyJws(
  algorithm: AssertionAlgorithm,
  key: KeyObject,
  input: string,
  signature: Uint8Array,
): boolean {
  const crypto = platform.nodeCrypto();
  const data = platform.encodeUtf8(input);
  try {
    switch (algorithm) {
      case 'RS256':
        return key.asymmetricKeyType === 'rsa' && crypto.verify('sha256', data, key, signature);
      case 'PS256':
        return (
          key.asymmetricKeyType === 'rsa' &&
          crypto.verify(
            'sha256',
            data,
            { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
            signature,
          )
        );
      case 'ES256':
        return (
          key.asymmetricKeyType === 'ec' &&
          key.asymmetricKeyDetails?.namedCurve === 'prime256v1' &&
          crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)
        );
    }
  } catch {
    return false;
  }
}

/**
 * True when the assertion's signature verifies with `publicKey` under the algorithm its header names
 * (RS256, PS256 or ES256 only; anything else is false).
 *
 * @example
 * ```ts
 * verifyAssertionSignature(decodeClientAssertion(jwt), certificate.publicKey)
 * ```
 */
export function verifyAssertionSignature(decoded: DecodedAssertion, publicKey: KeyObject): boolean {
  const alg = decoded.header.alg;
  if (typeof alg !== 'string' || !(ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) return false;
  return verifyJws(alg as AssertionAlgorithm, publicKey, decoded.signingInput, decoded.signature);
}

/** A client assertion split into its parts; the payload is not yet trusted. */
export interface DecodedAssertion {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly signingInput: string;
  readonly signature: Uint8Array;
  /** SHA-256 of the whole assertion, base64url: the replay key when there is no `jti`. */
  readonly digest: string;
}

function malformed(reason: string): RejectionError {
  return new RejectionError('ERR_ASSERTION_MALFORMED', reason);
}

function decodeJsonPart(part: string, name: string): Record<string, unknown> {
  const text = decodeBase64urlText(part);
  if (text === undefined) throw malformed(`the ${name} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed(`the ${name} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`the ${name} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Splits and decodes a compact JWS without trusting it. Throws only `ERR_ASSERTION_MALFORMED`, whatever the input.
 *
 * @example
 * ```ts
 * decodeClientAssertion(jwt).payload.sub
 * ```
 */
export function decodeClientAssertion(assertion: unknown): DecodedAssertion {
  if (typeof assertion !== 'string' || assertion.length === 0) throw malformed('the assertion is missing');
  if (assertion.length > ASSERTION_MAX_LENGTH)
    throw malformed(`the assertion is longer than ${ASSERTION_MAX_LENGTH}`);
  const parts = assertion.split('.');
  if (parts.length !== 3) throw malformed(`a compact JWS has 3 parts, this has ${parts.length}`);
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJsonPart(headerPart, 'header');
  const payload = decodeJsonPart(payloadPart, 'payload');
  const signature = decodeBase64url(signaturePart);
  if (signature === undefined) throw malformed('the signature is not base64url');
  return {
    header,
    payload,
    signingInput: `${headerPart}.${payloadPart}`,
    signature,
    // Computed on first use only: an assertion with a jti is replay-keyed by it and never needs its hash.
    get digest() {
      return platform.digest('sha256', assertion, 'base64url');
    },
  };
}

/** One certificate registered for a client, with its precomputed thumbprints. */
export interface RegisteredCertificate {
  readonly publicKey: KeyObject;
  readonly thumbprints: CertificateThumbprints;
  /** The end of validity in ms: the earlier of the certificate's `notAfter` and the registration's own end. */
  readonly notAfter: number;
  /** The start of validity in ms. */
  readonly notBefore: number;
}

/** The verifier's view of a client. */
export interface AssertionClient {
  readonly clientId: string;
  readonly certificates: readonly RegisteredCertificate[];
}

/** Options of {@link verifyClientAssertion}. */
export interface VerifyAssertionOptions {
  /** URLs accepted as `aud`: the token endpoint URL and the issuer URL (docs/providers/private-key-jwt.md). */
  readonly audiences: readonly string[];
  /** Allowed algorithms (default `['RS256']`). */
  readonly algorithms?: readonly AssertionAlgorithm[];
  /** Current time in ms. */
  readonly now: number;
  /** Tolerance for `exp`, `nbf` and `iat`, in seconds (default 15, as oidc-provider). */
  readonly clockToleranceSeconds?: number;
  /** Longest `exp - now` accepted, in seconds (default one day). */
  readonly maxLifetimeSeconds?: number;
}

/** What a verified assertion yields. */
export interface VerifiedAssertion {
  readonly clientId: string;
  /** The key under which the server records the assertion as used: `jti:<client>:<jti>` or `sha256:<digest>`. */
  readonly replayKey: string;
  /** `exp` in ms: how long the replay record must live. */
  readonly expiresAt: number;
  readonly kid?: string;
  readonly algorithm: AssertionAlgorithm;
}

/**
 * Runs every check of docs/providers/private-key-jwt.md after the client lookup, in order: algorithm allow-list → signature by a registered,
 * unexpired certificate chosen by `kid` → `iss` = `sub` = client_id → `aud` → `exp` present, not past, at most a
 * day ahead → `nbf`/`iat` not in the future. The replay record is the caller's last step (it needs the store).
 * Throws {@link RejectionError} with the exact reason.
 *
 * @example
 * ```ts
 * const decoded = decodeClientAssertion(form.client_assertion)
 * const verified = verifyClientAssertion(decoded, client, { audiences: [tokenUrl, issuer], now: Date.now() })
 * ```
 */
export function verifyClientAssertion(
  decoded: DecodedAssertion,
  client: AssertionClient,
  options: VerifyAssertionOptions,
): VerifiedAssertion {
  const { header, payload } = decoded;
  // RFC 7515 §4.1.11: a recipient must refuse a JWS whose `crit` names an extension it does not understand; this
  // verifier understands none, so any `crit` is refused (a signer cannot make us ignore a constraint it relies on).
  if (header.crit !== undefined) {
    throw new RejectionError(
      'ERR_ASSERTION_MALFORMED',
      'the header has a crit parameter (no extension is supported)',
    );
  }
  const allowed = options.algorithms ?? ['RS256'];
  const alg = header.alg;
  if (typeof alg !== 'string' || !(allowed as readonly string[]).includes(alg)) {
    throw new RejectionError(
      'ERR_ASSERTION_ALGORITHM_REJECTED',
      `algorithm ${String(alg).slice(0, 16)} is not allowed`,
      {
        algorithm: String(alg).slice(0, 16),
      },
    );
  }
  const algorithm = alg as AssertionAlgorithm;
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const live = client.certificates.filter((c) => c.notBefore <= options.now && options.now < c.notAfter);
  const candidates = kid === undefined ? live : live.filter((c) => kidMatches(kid, c.thumbprints));
  if (candidates.length === 0) {
    const expired = kid !== undefined && client.certificates.some((c) => kidMatches(kid, c.thumbprints));
    throw new RejectionError(
      'ERR_ASSERTION_KEY_UNKNOWN',
      expired ? 'the certificate named by kid is not valid now' : 'no registered certificate matches kid',
      { clientId: client.clientId, ...(kid === undefined ? {} : { kid: kid.slice(0, 64) }) },
    );
  }
  if (!candidates.some((c) => verifyJws(algorithm, c.publicKey, decoded.signingInput, decoded.signature))) {
    throw new RejectionError('ERR_ASSERTION_SIGNATURE_INVALID', 'the signature does not verify', {
      clientId: client.clientId,
    });
  }
  if (payload.iss !== client.clientId || payload.sub !== client.clientId) {
    throw new RejectionError('ERR_ASSERTION_ISSUER_MISMATCH', 'iss and sub must both equal the client_id', {
      clientId: client.clientId,
    });
  }
  const aud = payload.aud;
  const audList = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audList.some((a) => typeof a === 'string' && options.audiences.includes(a))) {
    throw new RejectionError(
      'ERR_ASSERTION_AUDIENCE_MISMATCH',
      'aud is neither the token endpoint nor the issuer',
      {
        clientId: client.clientId,
        expected: options.audiences.join(' '),
      },
    );
  }
  const tolerance = options.clockToleranceSeconds ?? 15;
  const nowSeconds = options.now / 1000;
  const exp = payload.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    throw new RejectionError('ERR_ASSERTION_EXPIRY_MISSING', 'exp is missing or not a number', {
      clientId: client.clientId,
    });
  }
  if (exp <= nowSeconds - tolerance) {
    throw new RejectionError(
      'ERR_ASSERTION_EXPIRED',
      `the assertion expired ${Math.round(nowSeconds - exp)} s ago`,
      {
        clientId: client.clientId,
        expiredSecondsAgo: Math.round(nowSeconds - exp),
      },
    );
  }
  const maxLifetime = options.maxLifetimeSeconds ?? ASSERTION_MAX_LIFETIME_SECONDS;
  if (exp - nowSeconds > maxLifetime + tolerance) {
    throw new RejectionError(
      'ERR_ASSERTION_LIFETIME_TOO_LONG',
      `exp is ${Math.round(exp - nowSeconds)} s ahead (limit ${maxLifetime} s)`,
      { clientId: client.clientId, aheadSeconds: Math.round(exp - nowSeconds), limitSeconds: maxLifetime },
    );
  }
  for (const claim of ['nbf', 'iat'] as const) {
    const value = payload[claim];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value > nowSeconds + tolerance) {
      throw new RejectionError('ERR_ASSERTION_NOT_YET_VALID', `${claim} is in the future or not a number`, {
        clientId: client.clientId,
        claim,
      });
    }
  }
  const jti = payload.jti;
  if (jti !== undefined && (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)) {
    throw new RejectionError('ERR_ASSERTION_MALFORMED', 'jti must be a string of 1 to 256 characters');
  }
  return {
    clientId: client.clientId,
    replayKey: typeof jti === 'string' ? `jti:${client.clientId}:${jti}` : `sha256:${decoded.digest}`,
    expiresAt: (exp + tolerance) * 1000,
    ...(kid === undefined ? {} : { kid }),
    algorithm,
  };
}

/**
 * Builds the verifier's view of one registered certificate.
 *
 * @example
 * ```ts
 * registerCertificate(new X509Certificate(pem))
 * ```
 */
export function registerCertificate(
  certificate: X509Certificate,
  validity: { notBefore?: number; notAfter?: number } = {},
): RegisteredCertificate {
  const certificateFrom = Date.parse(certificate.validFrom);
  const certificateTo = Date.parse(certificate.validTo);
  return {
    publicKey: certificate.publicKey,
    thumbprints: computeThumbprints(certificate),
    notBefore: Math.max(certificateFrom, validity.notBefore ?? Number.NEGATIVE_INFINITY),
    notAfter: Math.min(certificateTo, validity.notAfter ?? Number.POSITIVE_INFINITY),
  };
}
