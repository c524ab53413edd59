import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../../test/support/code-of.ts';
import vectors from '../../vectors/vectors.json' with { type: 'json' };
import { RejectionError } from '../errors/errors.ts';
import {
  buildStringToSign,
  createHmacKey,
  formatHmacHeader,
  parseHmacHeader,
  signHmac,
  verifyHmac,
} from './hmac.ts';

const documentVector = vectors.hmac[0]!;

describe('hmac vectors', () => {
  for (const vector of vectors.hmac) {
    it(`signs ${vector.name}`, () => {
      expect(buildStringToSign(vector.accessKey, vector.timestamp, vector.version)).toBe(vector.stringToSign);
      expect(signHmac(vector)).toBe(vector.sign);
      expect(signHmac({ ...vector, secretKey: createHmacKey(vector.secretKey) })).toBe(vector.sign);
      expect(formatHmacHeader(vector)).toBe(vector.header);
    });
    it(`verifies ${vector.name}`, () => {
      const header = parseHmacHeader(vector.header);
      expect(header).toEqual({
        accessKey: vector.accessKey,
        timestamp: vector.timestamp,
        version: vector.version,
        signature: vector.sign,
      });
      expect(() => verifyHmac(header, { secretKey: vector.secretKey, now: vector.timestamp })).not.toThrow();
    });
  }
});

describe('hmac verification', () => {
  const header = parseHmacHeader(documentVector.header);
  const secretKey = documentVector.secretKey;
  const t = documentVector.timestamp;

  it('accepts the edges of the window and refuses past them, each bound on its own', () => {
    expect(codeOf(() => verifyHmac(header, { secretKey, now: t + 300_000 }))).toBeUndefined();
    expect(codeOf(() => verifyHmac(header, { secretKey, now: t + 300_001 }))).toBe(
      'ERR_HMAC_TIMESTAMP_STALE',
    );
    expect(codeOf(() => verifyHmac(header, { secretKey, now: t - 300_000 }))).toBeUndefined();
    expect(codeOf(() => verifyHmac(header, { secretKey, now: t - 300_001 }))).toBe(
      'ERR_HMAC_TIMESTAMP_FUTURE',
    );
    expect(codeOf(() => verifyHmac(header, { secretKey, now: t - 1000, maxFutureMs: 0 }))).toBe(
      'ERR_HMAC_TIMESTAMP_FUTURE',
    );
    expect(
      codeOf(() => verifyHmac(header, { secretKey, now: t + 3_600_000, maxAgeMs: 3_600_000 })),
    ).toBeUndefined();
  });

  it('refuses a timestamp in seconds as stale', () => {
    const seconds = Math.floor(t / 1000);
    const value = formatHmacHeader({ accessKey: header.accessKey, secretKey, timestamp: seconds });
    expect(codeOf(() => verifyHmac(parseHmacHeader(value), { secretKey, now: t }))).toBe(
      'ERR_HMAC_TIMESTAMP_STALE',
    );
  });

  it('refuses a version other than 1 before any crypto', () => {
    const value = formatHmacHeader({ accessKey: header.accessKey, secretKey, timestamp: t, version: '2' });
    expect(codeOf(() => verifyHmac(parseHmacHeader(value), { secretKey, now: t }))).toBe(
      'ERR_HMAC_VERSION_UNSUPPORTED',
    );
  });

  it('refuses a wrong secret and a signature made without the trailing colon', () => {
    expect(codeOf(() => verifyHmac(header, { secretKey: 'other', now: t }))).toBe(
      'ERR_HMAC_SIGNATURE_MISMATCH',
    );
    const noColon = { ...header, signature: vectors.hmacMistakes[0]!.sign };
    expect(codeOf(() => verifyHmac(noColon, { secretKey, now: t }))).toBe('ERR_HMAC_SIGNATURE_MISMATCH');
  });

  it.each([
    ['', 'ERR_HMAC_HEADER_MISSING'],
    [undefined, 'ERR_HMAC_HEADER_MISSING'],
    ['Bearer abc', 'ERR_HMAC_HEADER_MALFORMED'],
    ['AUTH k:1:1', 'ERR_HMAC_HEADER_MALFORMED'],
    [documentVector.header.toUpperCase().replace('AUTH K1RX', 'AUTH k1rX'), 'ERR_HMAC_HEADER_MALFORMED'],
    [documentVector.header.slice(0, -1), 'ERR_HMAC_HEADER_MALFORMED'],
    [`AUTH ${'k'.repeat(600)}:1:1:${'0'.repeat(64)}`, 'ERR_HMAC_HEADER_MALFORMED'],
    [documentVector.header.replace('AUTH ', 'auth '), 'ERR_HMAC_HEADER_MALFORMED'],
    [['a', 'b'], 'ERR_HMAC_HEADER_MALFORMED'],
  ])('parses %j as %s', (value, code) => {
    expect(codeOf(() => parseHmacHeader(value))).toBe(code);
  });

  it('never puts the secret or the expected signature in an error', () => {
    for (const now of [t, t + 10 * 60_000]) {
      try {
        verifyHmac({ ...header, signature: '0'.repeat(64) }, { secretKey, now });
      } catch (error) {
        const text = `${(error as Error).message} ${JSON.stringify(error)} ${String(error)}`;
        expect(text).not.toContain(secretKey);
        expect(text).not.toContain(documentVector.sign);
      }
    }
  });
});

const accessKeyArbitrary = fc.stringMatching(/^[\x21-\x39\x3b-\x7e]{1,40}$/);
const secretArbitrary = fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' });

describe('hmac properties', () => {
  it('sign → verify holds for random inputs (10,000 cases)', () => {
    fc.assert(
      fc.property(
        accessKeyArbitrary,
        secretArbitrary,
        fc.integer({ min: 0, max: 2 ** 45 }),
        (accessKey, secret, ts) => {
          const header = formatHmacHeader({ accessKey, secretKey: secret, timestamp: ts });
          verifyHmac(parseHmacHeader(header), { secretKey: createHmacKey(secret), now: ts });
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('every single-character change of a header is rejected (10,000 cases)', () => {
    const secretKey = createHmacKey(documentVector.secretKey);
    const original = documentVector.header;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: original.length - 1 }),
        fc.integer({ min: 0x20, max: 0x7e }),
        (position, code) => {
          const replacement = String.fromCharCode(code);
          fc.pre(original[position] !== replacement);
          const mutated = original.slice(0, position) + replacement + original.slice(position + 1);
          expect(
            codeOf(() => verifyHmac(parseHmacHeader(mutated), { secretKey, now: documentVector.timestamp })),
          ).toMatch(/^ERR_HMAC_/);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('the parser throws nothing but RejectionError on arbitrary strings (10,000 cases)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 700 }), fc.string({ unit: 'binary', maxLength: 100 })),
        (value) => {
          for (const candidate of [value, `AUTH ${value}`, `AUTH ${value}:1:1:${'a'.repeat(64)}`]) {
            try {
              parseHmacHeader(candidate);
            } catch (error) {
              expect(error).toBeInstanceOf(RejectionError);
            }
          }
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
