import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../../test/support/code-of.ts';
import vectors from '../../vectors/vectors.json' with { type: 'json' };
import { InvalidOptionError, RejectionError } from '../errors/errors.ts';
import {
  buildAppTokenRequest,
  checkAppTokenDate,
  parseAppTokenDate,
  parseAppTokenRequest,
  signAppToken,
  verifyAppTokenSignature,
} from './app-token.ts';

describe('app-token vectors', () => {
  for (const vector of vectors.appToken) {
    it(`signs ${vector.name}`, () => {
      expect(signAppToken(vector)).toBe(vector.signature);
      const request = buildAppTokenRequest(vector);
      expect(request).toEqual({
        application_id: vector.applicationId,
        date: vector.date,
        signature: vector.signature,
      });
      expect(() => verifyAppTokenSignature(parseAppTokenRequest(request), vector.secretKey)).not.toThrow();
    });
  }

  it("reads the document's example request within the documented limits", () => {
    const { request, limits } = vectors.appTokenDocument;
    const parsed = parseAppTokenRequest(request);
    expect(parsed).toEqual(request);
    expect(parsed.signature).toHaveLength(limits.signature);
    expect(parsed.signature).toMatch(/^[0-9a-f]{128}$/);
  });
});

describe('app-token validation', () => {
  it.each([
    [null, 'a JSON object is required'],
    [[], 'a JSON object is required'],
    [{ date: 'd', signature: 's' }, 'Parameter application_id is required'],
    [{ application_id: '1', signature: 's' }, 'Parameter date is required'],
    [{ application_id: '1', date: 'd' }, 'Parameter signature is required'],
    [
      { application_id: 'x'.repeat(21), date: 'd', signature: 's' },
      'Parameter application_id is longer than 20',
    ],
    [{ application_id: '1', date: 'd'.repeat(1025), signature: 's' }, 'Parameter date is longer than 1024'],
    [
      { application_id: '1', date: 'd', signature: 's'.repeat(129) },
      'Parameter signature is longer than 128',
    ],
    [{ application_id: '1', date: 5, signature: 's' }, 'Parameter date must be a string'],
  ])('refuses %j naming the parameter', (body, message) => {
    try {
      parseAppTokenRequest(body);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RejectionError);
      expect((error as RejectionError).code).toBe('ERR_APP_TOKEN_PARAMETER_INVALID');
      expect((error as RejectionError).details.publicMessage).toContain(message);
    }
  });

  it('accepts a numeric application_id as its decimal text', () => {
    expect(parseAppTokenRequest({ application_id: 1234, date: 'd', signature: 's' }).application_id).toBe(
      '1234',
    );
  });

  it('checks options when building, not when sending', () => {
    expect(() => buildAppTokenRequest({ secretKey: 's', applicationId: 'x'.repeat(21), date: '' })).toThrow(
      InvalidOptionError,
    );
    expect(() => buildAppTokenRequest({ secretKey: '', applicationId: '1', date: '' })).toThrow(/secretKey/);
  });

  it('reads strict-mode dates', () => {
    expect(parseAppTokenDate('1586171872')).toBe(1586171872000);
    expect(parseAppTokenDate('1586171872000')).toBe(1586171872000);
    expect(parseAppTokenDate('2020-04-06 11:15:27')).toBe(Date.UTC(2020, 3, 6, 11, 15, 27));
    expect(parseAppTokenDate('2020-04-06T11:15:27+02:00')).toBe(Date.UTC(2020, 3, 6, 9, 15, 27));
    expect(parseAppTokenDate('yesterday')).toBeUndefined();
    const now = Date.UTC(2020, 3, 6, 11, 15, 27);
    expect(codeOf(() => checkAppTokenDate('2020-04-06 11:15:27', now))).toBeUndefined();
    expect(codeOf(() => checkAppTokenDate('2020-04-06 11:05:27', now))).toBe('ERR_APP_TOKEN_DATE_STALE');
    expect(codeOf(() => checkAppTokenDate('salt', now))).toBe('ERR_APP_TOKEN_DATE_STALE');
  });
});

describe('app-token properties', () => {
  it('sign → verify holds for random inputs (10,000 cases)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }),
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }),
        (secretKey, applicationId, date) => {
          fc.pre(date.length <= 1024);
          const request = buildAppTokenRequest({ secretKey, applicationId, date });
          verifyAppTokenSignature(parseAppTokenRequest(request), secretKey);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('every single-character change of a body field is rejected (10,000 cases)', () => {
    const vector = vectors.appToken[0]!;
    const request = buildAppTokenRequest(vector);
    const fields = ['application_id', 'date', 'signature'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...fields),
        fc.nat(),
        fc.integer({ min: 0x20, max: 0x7e }),
        (field, index, code) => {
          const value = request[field];
          const position = index % value.length;
          const replacement = String.fromCharCode(code);
          fc.pre(value[position] !== replacement);
          const mutated = {
            ...request,
            [field]: value.slice(0, position) + replacement + value.slice(position + 1),
          };
          expect(
            codeOf(() => verifyAppTokenSignature(parseAppTokenRequest(mutated), vector.secretKey)),
          ).toMatch(/^ERR_APP_TOKEN_/);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('the parser throws nothing but RejectionError on arbitrary values (10,000 cases)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        try {
          parseAppTokenRequest(value);
        } catch (error) {
          expect(error).toBeInstanceOf(RejectionError);
        }
      }),
      { numRuns: 10_000 },
    );
  });
});
