import type { KeyObject, X509Certificate } from 'node:crypto';
import {
  type AssertionAlgorithm,
  assertString,
  CLIENT_ASSERTION_TYPE,
  computeThumbprints,
  createClientAssertion,
  InvalidOptionError,
  type KidFormat,
} from '@payauth/core';
import { type KeyMaterial, loadPem, loadPkcs12 } from '../keys/key-material.ts';
import { createTokenStrategy } from './token-strategy.ts';
import type { AuthStrategy } from './types.ts';

/** Options of {@link privateKeyJwt}: the key as a KeyObject, a `.pfx` with its password, or PEM. */
export interface PrivateKeyJwtOptions {
  readonly clientId: string;
  /** eMoney's `apikey` header value. */
  readonly apiKey: string;
  readonly key?: KeyObject;
  readonly certificate?: X509Certificate;
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

/** The token path of eMoney's document. */
export const PRIVATE_KEY_JWT_PATH = '/connect/token';

function loadKey(options: PrivateKeyJwtOptions): KeyMaterial {
  if (options.key)
    return { privateKey: options.key, ...(options.certificate ? { certificate: options.certificate } : {}) };
  if (options.pfx) {
    assertString(options.password, 'password', 1024);
    return loadPkcs12(options.pfx, options.password);
  }
  if (options.pem) return loadPem(options.pem);
  throw new InvalidOptionError('key', 'a KeyObject, a pfx with its password, or pem');
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
  const material = loadKey(options);
  if (options.kid === undefined && !material.certificate) {
    throw new InvalidOptionError('certificate', 'given (or a kid), to name the key in the assertion header');
  }
  const kidFormat = options.kidFormat ?? 'x5t';
  if (!['x5t', 'hex', 'x5t#S256'].includes(kidFormat))
    throw new InvalidOptionError('kidFormat', 'x5t, hex or x5t#S256');
  const kid = options.kid ?? computeThumbprints(material.certificate!)[kidFormat];
  const scope = options.scope ?? 'API';
  const { clientId, apiKey } = options;
  return createTokenStrategy({
    mechanism: 'private-key-jwt',
    path: PRIVATE_KEY_JWT_PATH,
    tokenEndpoint: options.tokenEndpoint,
    renewMarginMs: options.renewMarginMs,
    backgroundRefresh: options.backgroundRefresh,
    cacheParts: () => [clientId, kid, scope],
    headers: (token) => ({ authorization: `Bearer ${token}`, apikey: apiKey }),
    request: (url, context) => {
      const assertion = createClientAssertion({
        clientId,
        privateKey: material.privateKey,
        kid,
        audience: options.audience ?? url,
        now: context.clock.now(),
        ...(options.algorithm ? { algorithm: options.algorithm } : {}),
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
