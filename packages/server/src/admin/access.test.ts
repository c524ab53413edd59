import { describe, expect, it } from 'vitest';
import { testRequest } from '../../../../test/support/admin-host.ts';
import { createAdminAccess, isAllowedOrigin, isLoopbackAddress } from './access.ts';

const token = 'T'.repeat(40);
const issuer = 'http://127.0.0.1:9';

describe('isLoopbackAddress', () => {
  it('knows loopback from the rest', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      expect(isLoopbackAddress(address), address).toBe(true);
    }
    for (const address of ['10.0.0.1', '192.168.1.1', '::ffff:10.0.0.1', '128.0.0.1', 'localhost', '']) {
      expect(isLoopbackAddress(address), address).toBe(false);
    }
  });
});

describe('isAllowedOrigin', () => {
  it('allows no Origin, the issuer, listed origins and the loopback page itself', () => {
    expect(isAllowedOrigin(undefined, '127.0.0.1:9', issuer)).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1:9', '127.0.0.1:9', issuer)).toBe(true);
    expect(isAllowedOrigin('http://localhost:7000', 'localhost:7000', issuer)).toBe(true);
    expect(isAllowedOrigin('https://ops.example', 'x', issuer, ['https://ops.example'])).toBe(true);
  });

  it('refuses other sites, null, and a DNS-rebinding name', () => {
    expect(isAllowedOrigin('https://evil.example', '127.0.0.1:9', issuer)).toBe(false);
    expect(isAllowedOrigin('null', '127.0.0.1:9', issuer)).toBe(false);
    expect(isAllowedOrigin('http://127.0.0.1:10', '127.0.0.1:9', issuer)).toBe(false);
    expect(isAllowedOrigin('http://evil.example:9', 'evil.example:9', issuer)).toBe(false);
  });
});

describe('createAdminAccess', () => {
  const gate = createAdminAccess({ token, issuer });
  const refusal = (options: Parameters<typeof testRequest>[2]) => {
    const answer = gate(testRequest('GET', '/admin/api/keys', options));
    return answer && { status: answer.status, body: JSON.parse(answer.body) };
  };

  it('checks its options at construction', () => {
    expect(() => createAdminAccess({ token: 'short', issuer })).toThrow(/admin.token/);
    expect(() => createAdminAccess({ token: `${'a'.repeat(20)} b`, issuer })).toThrow(/admin.token/);
  });

  it('lets the right token through from loopback', () => {
    expect(refusal({ token })).toBeUndefined();
    expect(refusal({ token, headers: { origin: 'http://127.0.0.1:9' } })).toBeUndefined();
  });

  it('refuses a missing or wrong token with 401 and a challenge', () => {
    expect(refusal({})).toEqual({
      status: 401,
      body: { error: 'unauthorized', message: 'send Authorization: Bearer <admin token>' },
    });
    expect(refusal({ token: `${token}x` })?.body.error).toBe('unauthorized');
    expect(refusal({ headers: { authorization: `Basic ${token}` } })?.status).toBe(401);
    const answer = gate(testRequest('GET', '/admin/api/keys', { token: 'guessed-value-123' }));
    expect(answer?.headers['www-authenticate']).toBe('Bearer realm="payauth-admin"');
    expect(answer?.body).not.toContain('guessed-value-123');
  });

  it('refuses a remote client even with the right token, unless allowRemote', () => {
    expect(refusal({ token, address: '10.1.2.3' })?.status).toBe(403);
    // The address is what the adapter resolved (trust-proxy); X-Forwarded-For on its own changes nothing.
    expect(refusal({ token, address: '10.1.2.3', headers: { 'x-forwarded-for': '127.0.0.1' } })?.status).toBe(
      403,
    );
    const remote = createAdminAccess({ token, issuer, allowRemote: true });
    expect(remote(testRequest('GET', '/admin/api/keys', { token, address: '10.1.2.3' }))).toBeUndefined();
  });

  it('refuses a cross-origin request even with the right token', () => {
    expect(refusal({ token, headers: { origin: 'https://evil.example' } })).toEqual({
      status: 403,
      body: { error: 'forbidden', message: 'cross-origin request refused' },
    });
  });
});
