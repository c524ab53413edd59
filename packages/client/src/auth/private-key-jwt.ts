import {
  type AssertionAlgorithm,
  assertString,
  type CertificateLike,
  CLIENT_ASSERTION_TYPE,
  computeDigest,
  computeThumbprints,
  InvalidOptionError,
  type KeyLike,
  type KidFormat,
  mechanismTable,
  signClientAssertion,
} from '@payauth/core';
import { loadSigningKey } from '#keys';
import { createTokenStrategy } from './token-strategy.ts';
import type { AuthStrategy } from './types.ts';

/**
 * Options of {@link privateKeyJwt}: the key as a KeyObject or CryptoKey, a `.pfx` with its password, or PEM. On
 * runtimes without node:crypto the `.pfx` or PEM is imported with WebCrypto when the first token is needed, so a
 * wrong password surfaces then (as a KeyMaterialError) rather than here.
 */
export interface PrivateKeyJwtOptions {
  readonly clientId: string;
  /** eMoney's `apikey` header value. */
  readonly apiKey: string;
  /** A node:crypto KeyObject, or a WebCrypto CryptoKey imported for `algorithm` (as jose's KeyLike). */
  readonly key?: KeyLike;
  /** The registered certificate: PEM, DER, or a node:crypto X509Certificate. */
  readonly certificate?: CertificateLike;
  readonly pfx?: Uint8Array;
  readonly password?: string;
  readonly pem?: { key: string; certificate?: string; passphrase?: string };
  /** An explicit kid; default: the certificate's thumbprint in `kidFormat`. */
  readonly kid?: string;
  /** Default `x5t` (the document's form); `hex` as .NET sends; `x5t#S256`. */
  readonly kidFormat?: KidFormat;
  /** Default: `<baseUrl>/connect/token`; also the assertion's `aud`. */
  readonly tokenEndpoint?: string;
  /** The `aud` claim, when it must differ from the token endpoint. */
  readonly audience?: string;
  readonly scope?: string;
  readonly algorithm?: AssertionAlgorithm;
  /** Assertion lifetime in seconds (default 300). */
  readonly assertionLifetimeSeconds?: number;
  /** Also post `client_id` in the form (optional for the document; some servers want it). */
  readonly sendClientId?: boolean;
  readonly renewMarginMs?: number;
  readonly backgroundRefresh?: boolean;
}

/** The token path of eMoney's document (core's mechanism table). */
export const PRIVATE_KEY_JWT_PATH: string = mechanismTable['private-key-jwt'].tokenPath!;

/** The kid of a loaded key: the explicit one, else the certificate's thumbprint in `kidFormat`. */
function kidOf(
  options: PrivateKeyJwtOptions,
  kidFormat: KidFormat,
  certificate: CertificateLike | undefined,
): string {
  if (options.kid !== undefined) return options.kid;
  if (certificate === undefined) {
    throw new InvalidOptionError('certificate', 'given (or a kid), to name the key in the assertion header');
  }
  return computeThumbprints(certificate)[kidFormat];
}

/**
 * eMoney's `private-key-jwt` strategy: an RS256 client assertion signed with the key of the partner's certificate
 * (loaded once from a password-protected `.pfx`, PEM or a KeyObject), exchanged at the token endpoint for a token,
 * sent as `Bearer` with the `apikey` header. The assertion's times come from the server-corrected clock; a token
 * request refused together with a clock correction is retried once with a new assertion.
 *
 * @example
 * ```ts
 * createClient({ baseUrl, auth: privateKeyJwt({ clientId, apiKey, pfx: readFileSync('client.pfx'), password }) })
 * ```
 */
export function privateKeyJwt(options: PrivateKeyJwtOptions): AuthStrategy {
  assertString(options?.clientId, 'clientId', 256);
  assertString(options.apiKey, 'apiKey', 256);
  if (!options.key && !options.pfx && !options.pem) {
    throw new InvalidOptionError('key', 'a KeyObject or CryptoKey, a pfx with its password, or pem');
  }
  if (!options.key && options.pfx) assertString(options.password, 'password', 1024);
  const kidFormat = options.kidFormat ?? 'x5t';
  if (!['x5t', 'hex', 'x5t#S256'].includes(kidFormat))
    throw new InvalidOptionError('kidFormat', 'x5t, hex or x5t#S256');
  const algorithm = options.algorithm ?? 'RS256';
  const loading = loadSigningKey({
    key: options.key,
    certificate: options.certificate,
    pfx: options.pfx,
    password: options.password,
    pem: options.pem,
    algorithm,
  });
  // Node, Bun and Deno load synchronously (a wrong password throws here); web runtimes import with WebCrypto, and
  // the outcome is awaited by the first token request (a failure then rejects that request, and each one after).
  let material = loading instanceof Promise ? undefined : loading;
  const givenCertificate = options.key ? options.certificate : options.pem?.certificate;
  let kid =
    material !== undefined
      ? kidOf(options, kidFormat, material.certificate)
      : options.kid !== undefined || givenCertificate !== undefined || !options.pfx
        ? kidOf(options, kidFormat, givenCertificate)
        : undefined;
  const ready =
    loading instanceof Promise
      ? loading.then((loaded) => {
          kid = kidOf(options, kidFormat, loaded.certificate);
          material = loaded;
          return loaded;
        })
      : undefined;
  ready?.catch(() => {});
  // The token cache key names the key: its kid, or while a .pfx is still to be read, a digest of its bytes.
  const cacheName = kid ?? `pfx:${computeDigest('sha256', options.pfx!, 'base64url')}`;
  const scope = options.scope ?? 'API';
  const { clientId, apiKey } = options;
  return createTokenStrategy({
    mechanism: 'private-key-jwt',
    path: PRIVATE_KEY_JWT_PATH,
    tokenEndpoint: options.tokenEndpoint,
    renewMarginMs: options.renewMarginMs,
    backgroundRefresh: options.backgroundRefresh,
    cacheParts: () => [clientId, cacheName, scope],
    headers: (token) => ({ authorization: `Bearer ${token}`, apikey: apiKey }),
    request: async (url, context) => {
      const loaded = material ?? (await ready!);
      const assertion = await signClientAssertion({
        clientId,
        privateKey: loaded.privateKey,
        kid: kid!,
        audience: options.audience ?? url,
        now: context.clock.now(),
        algorithm,
        ...(options.assertionLifetimeSeconds ? { lifetimeSeconds: options.assertionLifetimeSeconds } : {}),
      });
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion,
        scope,
      });
      if (options.sendClientId) form.set('client_id', clientId);
      return { method: 'POST', body: form };
    },
    read: (json) => {
      const body = json as { access_token?: unknown; expires_in?: unknown } | undefined;
      return typeof body?.access_token === 'string' && typeof body.expires_in === 'number'
        ? { token: body.access_token, expiresIn: body.expires_in }
        : undefined;
    },
    retryOnClock: true,
    shown: () => ({ mechanism: 'private-key-jwt', clientId, kid }),
    // The apikey header value is the partner's secret too; an echoed assertion is short-lived but redacted by shape.
    secrets: [apiKey, ...(options.password === undefined ? [] : [options.password])],
  });
}
