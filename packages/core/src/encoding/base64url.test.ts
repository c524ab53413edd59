import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, decodeBase64urlText, encodeBase64url } from './base64url.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('decodeBase64url', () => {
  it('decodes canonical text and refuses everything else', () => {
    expect(decodeBase64urlText(encodeBase64url('{"alg":"RS256"}'))).toBe('{"alg":"RS256"}');
    expect(decodeBase64url('')?.length).toBe(0);
    for (const refused of ['A', 'AB=', 'A+B/', 'AB C', 'AB', 'ABC', 'AAAAB']) {
      expect(decodeBase64url(refused), refused).toBeUndefined();
    }
  });

  it('accepts a text exactly when re-encoding its bytes gives it back (every length, every last character)', () => {
    for (let length = 0; length < 24; length++) {
      const text = randomBytes(length).toString('base64url');
      for (const last of text.length === 0 ? [''] : ALPHABET) {
        const candidate = text.slice(0, -1) + last;
        const canonical = Buffer.from(candidate, 'base64url').toString('base64url') === candidate;
        expect(decodeBase64url(candidate) !== undefined, candidate).toBe(
          canonical && candidate.length % 4 !== 1,
        );
      }
    }
  });
});
