import { createSecretKey, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../../test/support/code-of.ts';
import vectors from '../../vectors/vectors.json' with { type: 'json' };
import { RejectionError } from '../errors/errors.ts';
import { renderRejection } from '../errors/responses.ts';
import { hashApiSecret, parseApiKeyRequest, parseApiKeyResponse, verifyApiSecret } from './api-key.ts';

const pepper = createSecretKey(randomBytes(32));

describe('api-key documented cases (004)', () => {
  it('reads the documented request', () => {
    expect(parseApiKeyRequest('application/json', JSON.stringify(vectors.apiKey.request))).toEqual(
      vectors.apiKey.request,
    );
  });

  for (const example of vectors.apiKey.errors.filter((e) => e.status === 400)) {
    it(`answers ${example.case} with the documented body`, () => {
      let code: string | undefined;
      try {
        parseApiKeyRequest(example.contentType, example.body);
      } catch (error) {
        code = (error as RejectionError).code;
        const response = renderRejection('api-key', (error as RejectionError).code);
        expect(response.status).toBe(example.status);
        expect(response.body).toBe(example.response);
      }
      expect(code).toBeDefined();
    });
  }

  it('answers a wrong secret with the documented 401 body', () => {
    const stored = hashApiSecret(pepper, 'your_api_secret');
    expect(codeOf(() => verifyApiSecret(pepper, 'your_api_secret', stored))).toBeUndefined();
    const code = codeOf(() => verifyApiSecret(pepper, 'wrong', stored));
    expect(code).toBe('ERR_API_KEY_CREDENTIALS_INVALID');
    const wrong = vectors.apiKey.errors.find((e) => e.status === 401)!;
    expect(renderRejection('api-key', 'ERR_API_KEY_CREDENTIALS_INVALID').body).toBe(wrong.response);
  });

  it('reads the documented 200 shape', () => {
    expect(parseApiKeyResponse({ accessToken: 'eyJ', expiresIn: 3600 })).toEqual({
      accessToken: 'eyJ',
      expiresIn: 3600,
    });
    expect(parseApiKeyResponse({ error: 'x' })).toBeUndefined();
  });

  it('accepts charset parameters on the content type and refuses its look-alikes', () => {
    const body = JSON.stringify(vectors.apiKey.request);
    expect(codeOf(() => parseApiKeyRequest('application/json; charset=utf-8', body))).toBeUndefined();
    expect(codeOf(() => parseApiKeyRequest('application/jsonx', body))).toBe('ERR_API_KEY_PAYLOAD_INVALID');
    expect(codeOf(() => parseApiKeyRequest(undefined, body))).toBe('ERR_API_KEY_PAYLOAD_INVALID');
  });
});

describe('api-key properties', () => {
  it('hash → verify holds for random secrets, and every single-character change is rejected (10,000 cases)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        fc.integer({ min: 0x20, max: 0x7e }),
        (secret, index, code) => {
          const stored = hashApiSecret(pepper, secret);
          verifyApiSecret(pepper, secret, stored);
          const position = index % secret.length;
          const replacement = String.fromCharCode(code);
          fc.pre(secret[position] !== replacement);
          const mutated = secret.slice(0, position) + replacement + secret.slice(position + 1);
          expect(codeOf(() => verifyApiSecret(pepper, mutated, stored))).toBe(
            'ERR_API_KEY_CREDENTIALS_INVALID',
          );
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('every single-character change of the documented body is rejected or changes the credentials (10,000 cases)', () => {
    const body = JSON.stringify(vectors.apiKey.request);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: body.length - 1 }),
        fc.integer({ min: 0x20, max: 0x7e }),
        (position, code) => {
          const replacement = String.fromCharCode(code);
          fc.pre(body[position] !== replacement);
          const mutated = body.slice(0, position) + replacement + body.slice(position + 1);
          try {
            const parsed = parseApiKeyRequest('application/json', mutated);
            expect(parsed).not.toEqual(vectors.apiKey.request);
          } catch (error) {
            expect(error).toBeInstanceOf(RejectionError);
          }
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('the parser throws nothing but RejectionError on arbitrary bodies (10,000 cases)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (value) => {
        try {
          parseApiKeyRequest('application/json', value);
        } catch (error) {
          expect(error).toBeInstanceOf(RejectionError);
        }
      }),
      { numRuns: 10_000 },
    );
  });
});
