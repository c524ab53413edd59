import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RejectionError } from '../errors/errors.ts';
import { publicJwk, signAccessToken, verifyAccessToken } from './access-token.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key = { kid: 'k1', privateKey };
const keys = new Map([['k1', createPublicKey(privateKey)]]);
const issuer = 'http://127.0.0.1:8080';
const now = 1_800_000_000_000;

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return (error as RejectionError).code;
  }
}

describe('access tokens', () => {
  const { token, claims } = signAccessToken(
    { iss: issuer, sub: 'cred_1', partner: 'p', mechanism: 'api-key' },
    3600,
    key,
    now,
  );

  it('sign → verify', () => {
    expect(verifyAccessToken(token, { keys, issuer, now })).toEqual(claims);
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('refuses expiry, another issuer, an unknown kid', () => {
    expect(codeOf(() => verifyAccessToken(token, { keys, issuer, now: now + 3_600_000 }))).toBe(
      'ERR_TOKEN_EXPIRED',
    );
    expect(codeOf(() => verifyAccessToken(token, { keys, issuer: 'http://other', now }))).toBe(
      'ERR_TOKEN_INVALID',
    );
    expect(codeOf(() => verifyAccessToken(token, { keys: new Map(), issuer, now }))).toBe(
      'ERR_TOKEN_INVALID',
    );
  });

  it('regression: a signature changed in its last character (non-canonical base64url) is refused, not a crash', () => {
    for (const replacement of ['A', 'B', 'x', '_']) {
      const mutated = `${token.slice(0, -1)}${replacement}`;
      if (mutated === token) continue;
      const code = codeOf(() => verifyAccessToken(mutated, { keys, issuer, now }));
      expect(code).toBe('ERR_TOKEN_INVALID');
    }
    expect(codeOf(() => verifyAccessToken(`${token.slice(0, -2)}xx`, { keys, issuer, now }))).toBe(
      'ERR_TOKEN_INVALID',
    );
  });

  it('the error never echoes the token', () => {
    try {
      verifyAccessToken(`${token}x`, { keys, issuer, now });
    } catch (error) {
      expect(error).toBeInstanceOf(RejectionError);
      expect(String((error as Error).message)).not.toContain(token.slice(0, 30));
    }
  });

  it('publishes the public JWK only', () => {
    const jwk = publicJwk(key);
    expect(jwk).toMatchObject({ kty: 'RSA', kid: 'k1', alg: 'RS256', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
  });
});
