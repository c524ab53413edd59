// The honest limits: for each guard and token endpoint, only the raw crypto of its mechanism, hand-written on
// node:crypto with nothing of payauth's (no parsing beyond finding the signed bytes, no store, no state, no audit).
// A framework mounts these as minimal routes beside the real ones; ours ÷ limit is then measured in the same run.
import {
  createHmac,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  hash,
  sign,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Payauth } from '@payauth/server';
import { contextOf } from '../../packages/server/src/payauth.ts';

/** What the limits need: the demo's secrets and public keys (the same ones the real routes check). */
export interface LimitKeys {
  /** The hmac secret of the demo access key. */
  readonly hmacSecret: string;
  /** The JWKS of the server's token issuer (its Ed25519 keys verify the Bearer tokens). */
  readonly jwks: { keys: Array<Record<string, string>> };
  /** The eMoney client's apikey. */
  readonly apikey: string;
  /** WakaPay's api secret. */
  readonly apiSecret: string;
  /** Fondy's application secret. */
  readonly appSecret: string;
  /** PEM certificate of the eMoney client (its key signs the RS256 assertions). */
  readonly certificatePath: string;
}

/**
 * The limits' keys from a demo instance: its credentials' secrets and public keys, and its issuer's JWKS (the same
 * ones the real routes check).
 */
export function limitKeysOf(payauth: Payauth): LimitKeys {
  const demo = payauth.demo!;
  return {
    hmacSecret: demo.hmac.secretKey,
    jwks: contextOf(payauth).issuer.jwks(),
    apikey: demo['private-key-jwt'].apiKey,
    apiSecret: demo['api-key'].apiSecret,
    appSecret: demo['app-token'].secretKey,
    certificatePath: demo['private-key-jwt'].certificatePath,
  };
}

/** The hand-written limits: `true`/a body when the request passes, `false`/undefined otherwise. */
export interface Limits {
  hmac(authorization: string | undefined): boolean;
  bearer(authorization: string | undefined): boolean;
  bearerApikey(authorization: string | undefined, apikey: string | undefined): boolean;
  /** WakaPay `/business/auth`: one keyed hash of the secret + one Ed25519 signature. */
  businessAuth(body: string): string | undefined;
  /** Fondy: one SHA-512 + one Ed25519 signature. */
  fondy(body: string): string | undefined;
  /** eMoney `/connect/token`: one RS256 verification + one Ed25519 signature. */
  connectToken(body: string): string | undefined;
}

/**
 * Two strings compared without an early exit (the same loop as core's `equalInConstantTime`): hex digests compared as
 * text skip the two Buffers `timingSafeEqual` needs, ~0.7 µs per comparison. payauth compares its digests this way
 * since round 4, so the limits do too: a limit is the cheapest way to do the same crypto, not an older one.
 */
const sameText = (a: string, b: string) => {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
};

/** Builds the limit kernels. */
export function createLimits(keys: LimitKeys): Limits {
  const hmacKey = createSecretKey(Buffer.from(keys.hmacSecret, 'utf8'));
  const tokenKey = createPublicKey({ key: keys.jwks.keys[0] as never, format: 'jwk' });
  const pepper = createSecretKey(Buffer.alloc(32, 7));
  const storedSecretHash = createHmac('sha256', pepper).update(keys.apiSecret, 'utf8').digest('hex');
  const assertionKey = createPublicKey(readFileSync(keys.certificatePath));
  const signing = generateKeyPairSync('ed25519').privateKey;
  const tokenHeader = Buffer.from('{"alg":"EdDSA","typ":"at+jwt"}').toString('base64url');
  let serial = 0;
  const issue = (sub: string): string => {
    const iat = Math.floor(Date.now() / 1000);
    const input = `${tokenHeader}.${Buffer.from(JSON.stringify({ sub, iat, exp: iat + 3600, jti: String(serial++) })).toString('base64url')}`;
    return `${input}.${sign(null, Buffer.from(input), signing).toString('base64url')}`;
  };
  const verifiesBearer = (authorization: string | undefined): boolean => {
    if (authorization === undefined) return false;
    const token = authorization.slice(7);
    const dot = token.lastIndexOf('.');
    return verify(
      null,
      Buffer.from(token.slice(0, dot)),
      tokenKey,
      Buffer.from(token.slice(dot + 1), 'base64url'),
    );
  };
  return {
    hmac(authorization) {
      // `AUTH accessKey:timestamp:version:sign`: the StringToSign is everything between "AUTH " and the last ':'.
      if (authorization === undefined) return false;
      const last = authorization.lastIndexOf(':');
      const expected = createHmac('sha256', hmacKey)
        .update(authorization.slice(5, last + 1), 'utf8')
        .digest('hex');
      return sameText(expected, authorization.slice(last + 1));
    },
    bearer: verifiesBearer,
    bearerApikey(authorization, presented) {
      return verifiesBearer(authorization) && presented !== undefined && sameText(presented, keys.apikey);
    },
    businessAuth(body) {
      const { apiKey, apiSecret } = JSON.parse(body) as { apiKey: string; apiSecret: string };
      const given = createHmac('sha256', pepper).update(apiSecret, 'utf8').digest('hex');
      if (!sameText(given, storedSecretHash)) return undefined;
      return JSON.stringify({ accessToken: issue(apiKey), expiresIn: 3600 });
    },
    fondy(body) {
      const { application_id, date, signature } = JSON.parse(body) as Record<string, string>;
      const expected = hash('sha512', `${keys.appSecret}|${application_id}|${date}`, 'hex');
      if (!sameText(expected, String(signature))) return undefined;
      return JSON.stringify({ token: issue(String(application_id)), expires_in: 3602 });
    },
    connectToken(body) {
      const assertion = new URLSearchParams(body).get('client_assertion') ?? '';
      const dot = assertion.lastIndexOf('.');
      const ok = verify(
        'sha256',
        Buffer.from(assertion.slice(0, dot)),
        assertionKey,
        Buffer.from(assertion.slice(dot + 1), 'base64url'),
      );
      if (!ok) return undefined;
      return JSON.stringify({ access_token: issue('client'), token_type: 'Bearer', expires_in: 3600 });
    },
  };
}
