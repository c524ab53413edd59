import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwksVerifier, TokenVerificationError } from './jwks.ts';

const issuer = 'http://issuer.test';

async function signingKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  const sign = ({ exp, ...claims }: Record<string, unknown> = {}, headerKid = kid) =>
    new SignJWT({ client_id: 'your_api_key', ...claims })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: headerKid })
      .setIssuer(issuer)
      .setAudience(`${issuer}/api-key`)
      .setSubject('cred_1')
      .setIssuedAt()
      .setExpirationTime((exp as number | undefined) ?? '1h')
      .sign(privateKey);
  return { jwk, sign };
}

/** An issuer whose JWKS the test changes, counting the fetches. */
function jwksHost(keys: JWK[]) {
  const host = { keys, fetches: 0 };
  const fetch: typeof globalThis.fetch = async () => {
    host.fetches++;
    return Response.json({ keys: host.keys });
  };
  return { host, fetch };
}

describe('createJwksVerifier', () => {
  it('verifies a token, then follows a rotation at once: one refetch on the unknown kid', async () => {
    const old = await signingKey('old');
    const { host, fetch } = jwksHost([old.jwk]);
    const verifier = createJwksVerifier({
      jwksUri: `${issuer}/.well-known/jwks.json`,
      issuer,
      audience: `${issuer}/api-key`,
      fetch,
    });
    const before = await old.sign();
    expect((await verifier.verify(before)).kid).toBe('old');
    expect(verifier.fetches).toBe(1);
    const rotated = await signingKey('new');
    host.keys = [old.jwk, rotated.jwk];
    expect((await verifier.verify(await rotated.sign())).claims.client_id).toBe('your_api_key');
    expect(verifier.fetches).toBe(2);
    expect((await verifier.verify(before)).kid).toBe('old');
    expect(verifier.fetches).toBe(2);
  });

  it('rate limits refetches on unknown kids: a flood of made-up kids costs one fetch per cooldown', async () => {
    const key = await signingKey('k1');
    const { fetch } = jwksHost([key.jwk]);
    let now = 1_000_000_000_000;
    const verifier = createJwksVerifier({
      jwksUri: `${issuer}/.well-known/jwks.json`,
      issuer,
      fetch,
      now: () => now,
      unknownKidCooldownMs: 30_000,
    });
    await verifier.verify(
      await key.sign({ exp: Math.floor(now / 1000) + 3600, iat: Math.floor(now / 1000) }),
    );
    const forged = await key.sign({}, 'made-up');
    for (let index = 0; index < 20; index++) {
      const error = await verifier.verify(forged).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenVerificationError);
    }
    expect(verifier.fetches).toBe(2);
    now += 30_000;
    await verifier.verify(forged).catch(() => {});
    expect(verifier.fetches).toBe(3);
  });

  it('refuses a wrong issuer, audience or an expired token with a typed reason, never echoing the token', async () => {
    const key = await signingKey('k1');
    const { fetch } = jwksHost([key.jwk]);
    const verifier = createJwksVerifier({
      jwksUri: `${issuer}/.well-known/jwks.json`,
      issuer,
      audience: `${issuer}/private-key-jwt`,
      fetch,
    });
    const token = await key.sign();
    const error = (await verifier.verify(token).catch((e: unknown) => e)) as TokenVerificationError;
    expect(error).toMatchObject({
      code: 'ERR_TOKEN_VERIFICATION',
      reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
    });
    expect(error.message).not.toContain(token);
    const expired = await key.sign({ exp: 1_000 });
    const lenient = createJwksVerifier({ jwksUri: `${issuer}/.well-known/jwks.json`, issuer, fetch });
    await expect(lenient.verify(expired)).rejects.toMatchObject({ reason: 'ERR_JWT_EXPIRED' });
    await expect(lenient.verify('not.a.token')).rejects.toBeInstanceOf(TokenVerificationError);
  });

  it('a JWKS that cannot be fetched is a typed error', async () => {
    const verifier = createJwksVerifier({
      jwksUri: `${issuer}/.well-known/jwks.json`,
      issuer,
      fetch: async () => new Response('down', { status: 503 }),
    });
    await expect(verifier.verify('a.b.c')).rejects.toMatchObject({ reason: 'ERR_JWKS_FETCH' });
  });
});
