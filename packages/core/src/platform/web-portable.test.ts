// The web platform where the runtime has no node:crypto at all (a Worker without nodejs_compat, Vercel's
// edge-runtime, a browser): digests and HMAC through @noble/hashes, client assertions through WebCrypto, and a clear
// UnsupportedRuntimeError for what takes node:crypto KeyObjects. Checked against node:crypto in the same process.
import {
  createHash,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  verify,
  type webcrypto,
} from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestCertificate, type TestCertificate } from '../../../../test/support/certificates.ts';
import vectors from '../../vectors/vectors.json' with { type: 'json' };

vi.mock('#platform', () => import('./web.ts'));

// Hide node:crypto from the web platform, as a runtime without it would (the lookup is made on first use).
const getBuiltinModule = process.getBuiltinModule;
process.getBuiltinModule = ((id: string) =>
  id === 'node:crypto' || id === 'crypto' ? undefined : getBuiltinModule(id)) as typeof getBuiltinModule;
afterAll(() => {
  process.getBuiltinModule = getBuiltinModule;
});

const core = await import('../index.ts');
const { platform, prepareHmacKey } = await import('./web.ts');

let rsa: TestCertificate;
let ec: TestCertificate;
beforeAll(() => {
  rsa = createTestCertificate();
  ec = createTestCertificate({ keyType: 'ec' });
});

/** A node:crypto private key as a WebCrypto CryptoKey for `algorithm`. */
function toCryptoKey(key: KeyObject, algorithm: 'RS256' | 'PS256' | 'ES256'): Promise<webcrypto.CryptoKey> {
  const parameters =
    algorithm === 'ES256'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: algorithm === 'RS256' ? 'RSASSA-PKCS1-v1_5' : 'RSA-PSS', hash: 'SHA-256' };
  return crypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), parameters, false, [
    'sign',
  ]);
}

describe('the web platform without node:crypto', () => {
  it('is the web platform, and finds no node:crypto', () => {
    expect(platform.name).toBe('web');
    expect(() => platform.nodeCrypto()).toThrow(core.UnsupportedRuntimeError);
  });

  it('signs the hmac vectors byte for byte, with a text secret and a prepared key', () => {
    for (const vector of vectors.hmac) {
      const key = core.createHmacKey(vector.secretKey);
      expect(key).not.toHaveProperty('export');
      for (const secretKey of [vector.secretKey, key]) {
        const header = core.formatHmacHeader({
          accessKey: vector.accessKey,
          secretKey,
          timestamp: vector.timestamp,
          version: vector.version,
        });
        expect(header, vector.name).toBe(vector.header);
        core.verifyHmac(core.parseHmacHeader(header), { secretKey, now: vector.timestamp });
      }
    }
  });

  it('computes HMAC-SHA256 as node:crypto does for random secrets and messages, reusing a prepared key', () => {
    for (let index = 0; index < 200; index++) {
      const secret = randomBytes(index % 90).toString('latin1');
      const key = prepareHmacKey(secret);
      for (const message of ['', 'a', randomBytes(index).toString('utf8'), 'é€𝄞'.repeat(index)]) {
        const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
          .update(message, 'utf8')
          .digest('hex');
        expect(platform.hmacSha256Hex(key, message)).toBe(expected);
        expect(platform.hmacSha256Hex(secret, message)).toBe(expected);
      }
    }
  });

  it('signs the app-token vectors and hashes api secrets as node:crypto does', () => {
    for (const vector of vectors.appToken)
      expect(core.signAppToken(vector), vector.name).toBe(vector.signature);
    const pepper = prepareHmacKey('pepper');
    expect(core.hashApiSecret(pepper, 'your_api_secret')).toBe(
      createHmac('sha256', 'pepper').update('your_api_secret').digest('hex'),
    );
  });

  it('digests and base64url-encodes any bytes as node:crypto and Buffer do', () => {
    for (let length = 0; length < 300; length += 7) {
      const bytes = randomBytes(length);
      for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
        expect(platform.digest(algorithm, bytes, 'hex')).toBe(
          createHash(algorithm).update(bytes).digest('hex'),
        );
        expect(platform.digest(algorithm, bytes, 'base64url')).toBe(
          createHash(algorithm).update(bytes).digest('base64url'),
        );
      }
      const text = bytes.toString('base64url');
      expect(core.encodeBase64url(bytes)).toBe(text);
      expect(Buffer.from(core.decodeBase64url(text)!).equals(bytes)).toBe(true);
    }
  });

  it('computes a certificate thumbprints from its PEM as node:crypto does from its DER', () => {
    const der = rsa.certificate.raw;
    const expected = {
      x5t: createHash('sha1').update(der).digest('base64url'),
      hex: createHash('sha1').update(der).digest('hex').toUpperCase(),
      'x5t#S256': createHash('sha256').update(der).digest('base64url'),
    };
    expect(core.computeThumbprints(rsa.certificatePem)).toEqual(expected);
    expect(core.computeThumbprints(new TextEncoder().encode(rsa.certificatePem))).toEqual(expected);
    expect(core.computeThumbprints(new Uint8Array(der))).toEqual(expected);
    expect(() => core.computeThumbprints('not a certificate')).toThrow(TypeError);
  });

  for (const algorithm of ['RS256', 'PS256', 'ES256'] as const) {
    it(`signs a client assertion with a CryptoKey (${algorithm}) that node:crypto verifies`, async () => {
      const pair = algorithm === 'ES256' ? ec : rsa;
      const privateKey = await toCryptoKey(pair.privateKey, algorithm);
      const jwt = await core.signClientAssertion({
        clientId: 'client-1',
        privateKey,
        certificate: pair.certificatePem,
        audience: 'https://signin.emaplan.com/connect/token',
        algorithm,
        now: 1_700_000_000_000,
      });
      const decoded = core.decodeClientAssertion(jwt);
      expect(decoded.header).toEqual({
        alg: algorithm,
        kid: core.computeThumbprints(pair.certificatePem).x5t,
        typ: 'JWT',
      });
      expect(decoded.payload).toMatchObject({
        sub: 'client-1',
        iss: 'client-1',
        iat: 1_700_000_000,
        exp: 1_700_000_300,
      });
      const key = createPublicKey(pair.privateKey);
      const data = Buffer.from(decoded.signingInput);
      const signature = Buffer.from(decoded.signature);
      const valid =
        algorithm === 'RS256'
          ? verify('sha256', data, key, signature)
          : algorithm === 'PS256'
            ? verify('sha256', data, { key, padding: 6, saltLength: 32 }, signature)
            : verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      expect(valid).toBe(true);
    });
  }

  it('refuses a CryptoKey made for another algorithm', async () => {
    const privateKey = await toCryptoKey(rsa.privateKey, 'PS256');
    await expect(
      core.signClientAssertion({
        clientId: 'c',
        privateKey,
        audience: 'https://a.example',
        algorithm: 'RS256',
      }),
    ).rejects.toThrow(core.InvalidOptionError);
  });

  it('says what to use instead where an operation needs node:crypto', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(() =>
      core.createClientAssertion({
        clientId: 'c',
        privateKey: rsa.privateKey,
        audience: 'https://a.example',
      }),
    ).toThrow(/signClientAssertion/);
    expect(() =>
      core.signAccessToken(
        { iss: 'i', aud: 'a', sub: 's', client_id: 'c', partner: 'p', mechanism: 'api-key' },
        60,
        { kid: 'k', privateKey },
        Date.now(),
      ),
    ).toThrow(core.UnsupportedRuntimeError);
  });
});
