import { createHmac, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificate, type TestCertificate } from '../../../../test/support/certificates.ts';
import { codeOf } from '../../../../test/support/code-of.ts';
import vectors from '../../vectors/vectors.json' with { type: 'json' };
import { encodeBase64url } from '../encoding/base64url.ts';
import { RejectionError } from '../errors/errors.ts';
import {
  type AssertionClient,
  createClientAssertion,
  decodeClientAssertion,
  registerCertificate,
  type VerifyAssertionOptions,
  verifyClientAssertion,
} from './assertion.ts';
import { classifyKid, computeThumbprints } from './thumbprints.ts';

const TOKEN_URL = 'http://127.0.0.1:8080/connect/token';
const ISSUER = 'http://127.0.0.1:8080';
const CLIENT_ID = 'client-1';

let rsa: TestCertificate;
let ec: TestCertificate;
let client: AssertionClient;
let now: number;
let options: VerifyAssertionOptions;

beforeAll(() => {
  rsa = createTestCertificate();
  ec = createTestCertificate({ keyType: 'ec' });
  client = {
    clientId: CLIENT_ID,
    certificates: [registerCertificate(rsa.certificate), registerCertificate(ec.certificate)],
  };
  now = Date.now();
  options = { audiences: [TOKEN_URL, ISSUER], now, algorithms: ['RS256', 'PS256', 'ES256'] };
});

function verify(jwt: string, overrides: Partial<VerifyAssertionOptions> = {}): string | undefined {
  return codeOf(() =>
    verifyClientAssertion(decodeClientAssertion(jwt), client, { ...options, ...overrides }),
  );
}

/** Signs an arbitrary header and payload with the RSA test key, to build assertions the client would never make. */
function craft(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${encodeBase64url(JSON.stringify(header))}.${encodeBase64url(JSON.stringify(payload))}`;
  return `${input}.${sign('sha256', Buffer.from(input), rsa.privateKey).toString('base64url')}`;
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const s = Math.floor(now / 1000);
  return {
    sub: CLIENT_ID,
    iss: CLIENT_ID,
    aud: TOKEN_URL,
    exp: s + 300,
    iat: s,
    nbf: s,
    jti: 'j1',
    ...overrides,
  };
}

describe('the document example (003)', () => {
  it('its kid is the x5t form (base64url SHA-1, 27 characters)', () => {
    expect(classifyKid(vectors.privateKeyJwt.header.kid)).toBe(vectors.privateKeyJwt.kidForm);
    const thumbprints = computeThumbprints(rsa.certificate);
    expect(thumbprints.x5t).toHaveLength(27);
    expect(thumbprints.hex).toMatch(/^[0-9A-F]{40}$/);
    expect(thumbprints['x5t#S256']).toHaveLength(43);
  });

  it('the C# claim set (no jti, one hour) is accepted and replay-keyed by its hash', () => {
    const example = vectors.privateKeyJwt.csharpExample;
    const jwt = createClientAssertion({
      clientId: CLIENT_ID,
      privateKey: rsa.privateKey,
      certificate: rsa.certificate,
      audience: TOKEN_URL,
      lifetimeSeconds: example.lifetimeSeconds,
      jti: false,
      now,
    });
    const decoded = decodeClientAssertion(jwt);
    expect(decoded.header).toEqual({
      alg: 'RS256',
      kid: computeThumbprints(rsa.certificate).x5t,
      typ: 'JWT',
    });
    expect(Object.keys(decoded.payload).sort()).toEqual([...example.claims].sort());
    const verified = verifyClientAssertion(decoded, client, options);
    expect(verified.replayKey).toBe(`sha256:${decoded.digest}`);
  });
});

describe('private-key-jwt verification, each check of docs/providers/private-key-jwt.md', () => {
  it.each(['x5t', 'hex', 'x5t#S256'] as const)('accepts the %s kid form', (kidFormat) => {
    const jwt = createClientAssertion({
      clientId: CLIENT_ID,
      privateKey: rsa.privateKey,
      certificate: rsa.certificate,
      audience: TOKEN_URL,
      kidFormat,
      now,
    });
    expect(verify(jwt)).toBeUndefined();
  });

  it('accepts PS256 and ES256 when allowed, and only RS256 by default', () => {
    const ps = createClientAssertion({
      clientId: CLIENT_ID,
      privateKey: rsa.privateKey,
      certificate: rsa.certificate,
      audience: TOKEN_URL,
      algorithm: 'PS256',
      now,
    });
    const es = createClientAssertion({
      clientId: CLIENT_ID,
      privateKey: ec.privateKey,
      certificate: ec.certificate,
      audience: TOKEN_URL,
      algorithm: 'ES256',
      now,
    });
    expect(verify(ps)).toBeUndefined();
    expect(verify(es)).toBeUndefined();
    expect(verify(ps, { algorithms: undefined })).toBe('ERR_ASSERTION_ALGORITHM_REJECTED');
  });

  it('accepts aud as the issuer, and in an array', () => {
    expect(verify(craft({ alg: 'RS256' }, claims({ aud: ISSUER })))).toBeUndefined();
    expect(verify(craft({ alg: 'RS256' }, claims({ aud: ['x', TOKEN_URL] })))).toBeUndefined();
  });

  it('refuses alg none', () => {
    const input = `${encodeBase64url('{"alg":"none","typ":"JWT"}')}.${encodeBase64url(JSON.stringify(claims()))}`;
    expect(verify(`${input}.`)).toBe('ERR_ASSERTION_ALGORITHM_REJECTED');
  });

  it('refuses HS256 signed with the public key as the secret', () => {
    const publicPem = createPublicKey(rsa.privateKey).export({ type: 'spki', format: 'pem' });
    const input = `${encodeBase64url('{"alg":"HS256","typ":"JWT"}')}.${encodeBase64url(JSON.stringify(claims()))}`;
    const signature = createHmac('sha256', publicPem).update(input).digest('base64url');
    expect(
      verify(`${input}.${signature}`, { algorithms: ['RS256', 'PS256', 'ES256', 'HS256' as 'RS256'] }),
    ).not.toBeUndefined();
    expect(verify(`${input}.${signature}`)).toBe('ERR_ASSERTION_ALGORITHM_REJECTED');
  });

  it('refuses a kid that names no registered certificate, and a certificate past its registration', () => {
    expect(verify(craft({ alg: 'RS256', kid: 'kh6XrTN6WjzvhH8Lk6sKieiP5hw' }, claims()))).toBe(
      'ERR_ASSERTION_KEY_UNKNOWN',
    );
    const expired: AssertionClient = {
      clientId: CLIENT_ID,
      certificates: [registerCertificate(rsa.certificate, { notAfter: now - 1 })],
    };
    const jwt = craft({ alg: 'RS256', kid: computeThumbprints(rsa.certificate).x5t }, claims());
    expect(codeOf(() => verifyClientAssertion(decodeClientAssertion(jwt), expired, options))).toBe(
      'ERR_ASSERTION_KEY_UNKNOWN',
    );
  });

  it('refuses a signature by another key', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const jwt = createClientAssertion({
      clientId: CLIENT_ID,
      privateKey: other,
      kid: computeThumbprints(rsa.certificate).x5t,
      audience: TOKEN_URL,
      now,
    });
    expect(verify(jwt)).toBe('ERR_ASSERTION_SIGNATURE_INVALID');
  });

  it.each([
    [{ iss: 'other' }, 'ERR_ASSERTION_ISSUER_MISMATCH'],
    [{ sub: 'other' }, 'ERR_ASSERTION_ISSUER_MISMATCH'],
    [{ aud: 'https://signin.emaplan.com/connect/token' }, 'ERR_ASSERTION_AUDIENCE_MISMATCH'],
    [{ aud: undefined }, 'ERR_ASSERTION_AUDIENCE_MISMATCH'],
    [{ exp: undefined }, 'ERR_ASSERTION_EXPIRY_MISSING'],
    [{ exp: '9999999999' }, 'ERR_ASSERTION_EXPIRY_MISSING'],
    [{ exp: 1514301769 }, 'ERR_ASSERTION_EXPIRED'],
    [{ exp: 'lifetime' }, 'ERR_ASSERTION_EXPIRY_MISSING'],
    [{ nbf: 'soon' }, 'ERR_ASSERTION_NOT_YET_VALID'],
    [{ jti: 42 }, 'ERR_ASSERTION_MALFORMED'],
  ])('refuses claims %j with %s', (override, code) => {
    expect(verify(craft({ alg: 'RS256' }, claims(override)))).toBe(code);
  });

  it('refuses exp more than a day ahead, nbf and iat in the future, past the tolerance', () => {
    const s = Math.floor(now / 1000);
    expect(verify(craft({ alg: 'RS256' }, claims({ exp: s + 86_400 })))).toBeUndefined();
    expect(verify(craft({ alg: 'RS256' }, claims({ exp: s + 86_400 + 60 })))).toBe(
      'ERR_ASSERTION_LIFETIME_TOO_LONG',
    );
    expect(verify(craft({ alg: 'RS256' }, claims({ nbf: s + 60 })))).toBe('ERR_ASSERTION_NOT_YET_VALID');
    expect(verify(craft({ alg: 'RS256' }, claims({ iat: s + 60 })))).toBe('ERR_ASSERTION_NOT_YET_VALID');
    expect(verify(craft({ alg: 'RS256' }, claims({ iat: s + 10 })))).toBeUndefined();
  });

  it('checks in the documented order: aud before exp, signature before claims', () => {
    expect(verify(craft({ alg: 'RS256' }, claims({ aud: 'x', exp: 1 })))).toBe(
      'ERR_ASSERTION_AUDIENCE_MISMATCH',
    );
    expect(verify(craft({ alg: 'RS256' }, claims({ iss: 'x', aud: 'x' })))).toBe(
      'ERR_ASSERTION_ISSUER_MISMATCH',
    );
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const jwt = createClientAssertion({ clientId: 'x', privateKey: other, audience: 'x', now: 0 });
    expect(verify(jwt)).toBe('ERR_ASSERTION_SIGNATURE_INVALID');
  });
});

describe('private-key-jwt properties', () => {
  it('sign → verify holds for random client ids, audiences and lifetimes (10,000 cases, ES256)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }),
        fc.webUrl(),
        fc.integer({ min: 1, max: 86_400 }),
        (clientId, audience, lifetimeSeconds) => {
          const jwt = createClientAssertion({
            clientId,
            privateKey: ec.privateKey,
            certificate: ec.certificate,
            audience,
            lifetimeSeconds,
            algorithm: 'ES256',
            now,
          });
          verifyClientAssertion(
            decodeClientAssertion(jwt),
            { clientId, certificates: client.certificates },
            { audiences: [audience], now, algorithms: ['ES256'] },
          );
        },
      ),
      { numRuns: 10_000 },
    );
  }, 120_000);

  it('sign → verify holds with RS256 (300 cases: RSA signing costs ~1 ms)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (clientId) => {
        const jwt = createClientAssertion({
          clientId,
          privateKey: rsa.privateKey,
          certificate: rsa.certificate,
          audience: TOKEN_URL,
          now,
        });
        verifyClientAssertion(
          decodeClientAssertion(jwt),
          { clientId, certificates: client.certificates },
          options,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('every single-character change of an assertion is rejected (10,000 cases)', () => {
    const jwt = createClientAssertion({
      clientId: CLIENT_ID,
      privateKey: rsa.privateKey,
      certificate: rsa.certificate,
      audience: TOKEN_URL,
      now,
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: jwt.length - 1 }),
        fc.integer({ min: 0x21, max: 0x7e }),
        (position, code) => {
          const replacement = String.fromCharCode(code);
          fc.pre(jwt[position] !== replacement);
          const mutated = jwt.slice(0, position) + replacement + jwt.slice(position + 1);
          expect(verify(mutated)).toMatch(/^ERR_ASSERTION_/);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('the decoder throws nothing but RejectionError on arbitrary strings (10,000 cases)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.base64String().map((s) => `${s}.${s}.${s}`),
        ),
        (value) => {
          try {
            decodeClientAssertion(value);
          } catch (error) {
            expect(error).toBeInstanceOf(RejectionError);
          }
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
