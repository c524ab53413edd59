import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeOf, errorOf } from '../../../../test/support/code-of.ts';
import { RejectionError } from '../errors/errors.ts';
import { publicJwk, signAccessToken, verifyAccessToken } from './access-token.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key = { kid: 'k1', privateKey };
const keys = new Map([['k1', createPublicKey(privateKey)]]);
const issuer = 'http://127.0.0.1:8080';
const now = 1_800_000_000_000;

describe('access tokens', () => {
  const { token, claims } = signAccessToken(
    {
      iss: issuer,
      aud: `${issuer}/api-key`,
      sub: 'cred_1',
      client_id: 'key_1',
      partner: 'p',
      mechanism: 'api-key',
    },
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

  it('refuses a token whose header has crit (RFC 7515 §4.1.11), even when correctly signed', () => {
    const [, payloadPart] = token.split('.') as [string, string];
    const header = Buffer.from(
      JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: key.kid, crit: ['exp'] }),
    ).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${payloadPart}`), key.privateKey).toString(
      'base64url',
    );
    expect(
      codeOf(() => verifyAccessToken(`${header}.${payloadPart}.${signature}`, { keys, issuer, now })),
    ).toBe('ERR_TOKEN_INVALID');
  });

  it('the error never echoes the token', () => {
    const error = errorOf(() => verifyAccessToken(`${token}x`, { keys, issuer, now }));
    expect(error).toBeInstanceOf(RejectionError);
    expect(String((error as Error).message)).not.toContain(token.slice(0, 30));
  });

  it('signs and verifies EdDSA (Ed25519), refusing a header that names another algorithm', () => {
    const ed = generateKeyPairSync('ed25519').privateKey;
    const edKeys = new Map([['e1', createPublicKey(ed)]]);
    const signed = signAccessToken(
      {
        iss: issuer,
        aud: `${issuer}/app-token`,
        sub: 'c',
        client_id: 'a',
        partner: 'p',
        mechanism: 'app-token',
      },
      60,
      { kid: 'e1', privateKey: ed },
      now,
    );
    expect(JSON.parse(Buffer.from(signed.token.split('.')[0]!, 'base64url').toString()).alg).toBe('EdDSA');
    expect(verifyAccessToken(signed.token, { keys: edKeys, issuer, now }).sub).toBe('c');
    const [, payload, signature] = signed.token.split('.');
    const relabelled = `${Buffer.from('{"alg":"RS256","typ":"at+jwt","kid":"e1"}').toString('base64url')}.${payload}.${signature}`;
    expect(codeOf(() => verifyAccessToken(relabelled, { keys: edKeys, issuer, now }))).toBe(
      'ERR_TOKEN_INVALID',
    );
    expect(publicJwk({ kid: 'e1', privateKey: ed })).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
    });
  });

  it('gives every token its own 16-character id, across refills of the id pool', () => {
    const ed = { kid: 'e1', privateKey: generateKeyPairSync('ed25519').privateKey };
    const base = { iss: issuer, aud: `${issuer}/api-key`, sub: 'c', client_id: 'a', partner: 'p' } as const;
    const ids = new Set<string>();
    // 600 tokens: more than two pools of 256 ids.
    for (let i = 0; i < 600; i++)
      ids.add(signAccessToken({ ...base, mechanism: 'api-key' }, 60, ed, now).claims.jti);
    expect(ids.size).toBe(600);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('publishes the public JWK only', () => {
    const jwk = publicJwk(key);
    expect(jwk).toMatchObject({ kty: 'RSA', kid: 'k1', alg: 'RS256', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
  });
});
