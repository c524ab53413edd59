import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextOf, createPayauth, type Payauth } from '../payauth.ts';

// The cache of verified tokens is keyed by a tail of the signature: a hit must still be the whole token verified.

let payauth: Payauth;
let now = Date.UTC(2026, 10, 25, 12);

beforeAll(async () => {
  payauth = await createPayauth({ store: ':memory:', issuer: 'https://api.example.test', now: () => now });
});
afterAll(() => payauth.close());

const claims = (sub: string) =>
  ({ sub, client_id: 'client', partner: 'acme', mechanism: 'api-key' }) as const;

describe('TokenIssuer.verify and its cache', () => {
  it('answers a verified token from the cache, with the same claims', () => {
    const { token } = contextOf(payauth).issuer.issue(claims('cred_1'), 3600);
    const first = contextOf(payauth).issuer.verify(token);
    expect(first).toMatchObject({ sub: 'cred_1' });
    expect(contextOf(payauth).issuer.verify(token)).toBe(first);
  });

  it('refuses another payload under a cached signature, and still accepts the real token', () => {
    const { token } = contextOf(payauth).issuer.issue(claims('cred_2'), 3600);
    contextOf(payauth).issuer.verify(token);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    forged.sub = 'cred_admin';
    const swapped = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    expect(() => contextOf(payauth).issuer.verify(swapped)).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_INVALID' }),
    );
    expect(contextOf(payauth).issuer.verify(token)).toMatchObject({ sub: 'cred_2' });
  });

  it('refuses a cached token once expired', () => {
    const { token } = contextOf(payauth).issuer.issue(claims('cred_3'), 60);
    contextOf(payauth).issuer.verify(token);
    now += 61_000;
    expect(() => contextOf(payauth).issuer.verify(token)).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_EXPIRED' }),
    );
  });
});
