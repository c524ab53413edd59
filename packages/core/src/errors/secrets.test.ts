import { createHmac, createPublicKey, createSecretKey, generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hashApiSecret, parseApiKeyRequest, verifyApiSecret } from '../api-key/api-key.ts';
import { parseAppTokenRequest, signAppToken, verifyAppTokenSignature } from '../app-token/app-token.ts';
import { diagnoseHmacHeader } from '../diagnose/diagnose.ts';
import { formatHmacHeader, parseHmacHeader, verifyHmac } from '../hmac/hmac.ts';
import { signAccessToken, verifyAccessToken } from '../tokens/access-token.ts';

// Every failure path of the core, with the secrets, expected signatures and tokens it handled: none of them may
// appear in any error's message, string form, JSON or inspected form.
describe('no secret, expected signature or token in any error', () => {
  it('greps every error of every mechanism', () => {
    const hmacSecret = 'hmac-secret-value-1';
    const appSecret = 'app-secret-value-1';
    const apiSecret = 'api-secret-value-1';
    const texts: string[] = [];
    const capture = (action: () => unknown) => {
      try {
        action();
      } catch (error) {
        texts.push(
          String(error),
          (error as Error).message,
          JSON.stringify(error),
          inspect(error, { depth: 5 }),
        );
      }
    };
    const now = 1_700_000_000_000;
    const header = formatHmacHeader({ accessKey: 'key', secretKey: hmacSecret, timestamp: now });
    const expectedHmac = createHmac('sha256', hmacSecret).update(`key:${now}:1:`).digest('hex');
    const wrong = `${header.slice(0, -64)}${'0'.repeat(64)}`;
    capture(() => verifyHmac(parseHmacHeader(wrong), { secretKey: hmacSecret, now }));
    capture(() => verifyHmac(parseHmacHeader(header), { secretKey: hmacSecret, now: now + 3_600_000 }));
    capture(() => verifyHmac(parseHmacHeader(header), { secretKey: 'other', now }));
    capture(() => parseHmacHeader(`${header}x`));
    texts.push(
      ...diagnoseHmacHeader({ header: wrong, secretKey: hmacSecret, now }).findings.map((f) => f.message),
    );
    const appSignature = signAppToken({ secretKey: appSecret, applicationId: '1', date: 'd' });
    capture(() =>
      verifyAppTokenSignature(
        parseAppTokenRequest({ application_id: '1', date: 'd', signature: 'a'.repeat(128) }),
        appSecret,
      ),
    );
    capture(() =>
      verifyAppTokenSignature(
        parseAppTokenRequest({ application_id: '1', date: 'e', signature: appSignature }),
        appSecret,
      ),
    );
    const pepper = createSecretKey(Buffer.alloc(32, 7));
    const stored = hashApiSecret(pepper, apiSecret);
    capture(() => verifyApiSecret(pepper, 'wrong-api-secret-1', stored));
    capture(() => parseApiKeyRequest('application/json', JSON.stringify({ apiKey: 'k', apiSecret: 5 })));
    const { privateKey } = generateKeyPairSync('ed25519');
    const { token } = signAccessToken(
      { iss: 'i', aud: 'i/api-key', sub: 's', client_id: 'c', partner: 'p', mechanism: 'api-key' },
      60,
      { kid: 'k', privateKey },
      now,
    );
    const keys = new Map([['k', createPublicKey(privateKey)]]);
    capture(() => verifyAccessToken(token, { keys, issuer: 'i', now: now + 120_000 }));
    capture(() => verifyAccessToken(`${token.slice(0, -3)}AAA`, { keys, issuer: 'i', now }));
    capture(() => verifyAccessToken(token, { keys, issuer: 'other', now }));
    expect(texts.length).toBeGreaterThan(20);
    const all = texts.join('\n');
    for (const value of [
      hmacSecret,
      appSecret,
      apiSecret,
      'wrong-api-secret-1',
      expectedHmac,
      appSignature,
      stored,
      token,
      token.split('.')[2]!,
    ]) {
      expect(all).not.toContain(value);
    }
  });
});

describe('redactValues', () => {
  it('replaces every occurrence of each secret, and leaves short values alone', async () => {
    const { redactValues } = await import('../redact.ts');
    expect(redactValues('a secret1 b secret1 c', ['secret1'])).toBe('a [redacted] b [redacted] c');
    expect(redactValues('abc', ['ab'])).toBe('abc');
  });
});
