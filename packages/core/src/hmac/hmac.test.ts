import { createHmac, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf, errorOf } from '../../../../test/support/code-of.ts';
import vectors from '../../vectors/vectors.json' with { type: 'json' };
import { RejectionError } from '../errors/errors.ts';
import {
  buildStringToSign,
  createHmacKey,
  formatHmacHeader,
  matchesHmacSignature,
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
      const error = errorOf(() => verifyHmac({ ...header, signature: '0'.repeat(64) }, { secretKey, now }));
      expect(error).toBeInstanceOf(RejectionError);
      const text = `${(error as Error).message} ${JSON.stringify(error)} ${String(error)}`;
      expect(text).not.toContain(secretKey);
      expect(text).not.toContain(documentVector.sign);
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

describe('the StringToSign sliced from the header', () => {
  const secretKey = createHmacKey(documentVector.secretKey) as KeyObject;
  const signedWith = (accessKey: string, timestamp: string) =>
    `AUTH ${accessKey}:${timestamp}:1:${createHmac('sha256', secretKey).update(`${accessKey}:${timestamp}:1:`).digest('hex')}`;

  it('gives the same verdict as the StringToSign rebuilt from the parsed fields', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[\x21-\x39\x3b-\x7e]{1,20}$/),
        fc.stringMatching(/^[0-9]{1,16}$/),
        fc.boolean(),
        (accessKey, timestamp, tamper) => {
          const value = signedWith(accessKey, timestamp);
          const parsed = parseHmacHeader(
            tamper ? `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}` : value,
          );
          // A plain copy has no slice: the verification rebuilds the StringToSign from the fields.
          expect(matchesHmacSignature(parsed, secretKey)).toBe(
            matchesHmacSignature({ ...parsed }, secretKey),
          );
        },
      ),
    );
  });

  it('is not taken when the sent timestamp is not the number’s own text', () => {
    // '01672650133163' signs other bytes than 1672650133163: the verification signs what the number says.
    const value = signedWith(documentVector.accessKey, `0${documentVector.timestamp}`);
    expect(matchesHmacSignature(parseHmacHeader(value), secretKey)).toBe(false);
    const rebuilt = signedWith(documentVector.accessKey, String(documentVector.timestamp)).slice(-64);
    const leading = `AUTH ${documentVector.accessKey}:0${documentVector.timestamp}:1:${rebuilt}`;
    expect(matchesHmacSignature(parseHmacHeader(leading), secretKey)).toBe(true);
  });
});

describe('the header grammar', () => {
  const PATTERN = /^AUTH ([\x21-\x39\x3b-\x7e]{1,128}):([0-9]{1,16}):([0-9]{1,4}):([0-9a-f]{64})$/;
  const characters = fc.constantFrom(...'aZ09!~:; \t\x7f\x20\x21é\u2019fF-'.split(''));
  const field = (min: number, max: number, alphabet: fc.Arbitrary<string>) =>
    fc.array(alphabet, { minLength: min, maxLength: max }).map((parts) => parts.join(''));
  const digits = fc.constantFrom(...'0123456789'.split(''));
  const hex = fc.constantFrom(...'0123456789abcdef'.split(''));
  /** Mostly `right`, sometimes one of `wrong`: most values are near the grammar's edges, many inside it. */
  const mostly = (right: fc.Arbitrary<string>, wrong: fc.Arbitrary<string>) =>
    fc.oneof({ arbitrary: right, weight: 5 }, { arbitrary: wrong, weight: 1 });
  const near = fc.tuple(
    mostly(fc.constant('AUTH '), fc.constantFrom('AUTH', 'auth ', 'AUTH  ', '')),
    mostly(field(0, 130, fc.constantFrom('k', '!', '~', '9', ';')), field(0, 8, characters)),
    mostly(fc.constant(':'), fc.constantFrom('', '::')),
    mostly(field(0, 17, digits), field(0, 4, characters)),
    mostly(fc.constant(':'), fc.constant('')),
    mostly(field(0, 5, digits), field(0, 2, characters)),
    mostly(fc.constant(':'), fc.constant('')),
    mostly(field(63, 65, hex), field(64, 64, fc.oneof(hex, characters))),
    mostly(fc.constant(''), fc.constantFrom('\n', ' ', 'a')),
  );

  it('accepts exactly the language of its regular expression, and reads the same fields', () => {
    let inside = 0;
    fc.assert(
      fc.property(near, (parts) => {
        const value = parts.join('');
        const match = PATTERN.exec(value);
        if (value.length > 512) return;
        if (match === null) {
          expect(() => parseHmacHeader(value)).toThrow(RejectionError);
          return;
        }
        inside++;
        expect({ ...parseHmacHeader(value) }).toEqual({
          accessKey: match[1],
          timestamp: Number(match[2]),
          version: match[3],
          signature: match[4],
        });
      }),
      { numRuns: 20_000 },
    );
    expect(inside).toBeGreaterThan(400);
  });
});
