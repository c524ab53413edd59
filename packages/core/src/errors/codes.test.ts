import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rejectionTable } from './codes.ts';
import { InvalidOptionError, KeyMaterialError, PayauthError, RejectionError } from './errors.ts';
import { HMAC_REJECTION_BODY, renderRejection } from './responses.ts';

const documented = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
const rows = [
  ...documented.matchAll(/^\|\s*`(ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|\s*(?:`([a-z_]+)`|—)\s*\|/gm),
].map((m) => ({
  code: m[1]!,
  status: Number(m[2]),
  oauthError: m[3],
}));

describe('the error table', () => {
  it('documents every code in docs/errors.md with its status and OAuth error, and nothing else', () => {
    expect(rows.map((r) => r.code).sort()).toEqual(Object.keys(rejectionTable).sort());
    for (const row of rows) {
      const entry = rejectionTable[row.code as keyof typeof rejectionTable] as {
        status: number;
        oauthError?: string;
      };
      expect(entry.status, row.code).toBe(row.status);
      expect(entry.oauthError, row.code).toBe(row.oauthError);
    }
  });

  it('keys are codes: every RejectionError carries its key as code', () => {
    for (const code of Object.keys(rejectionTable) as Array<keyof typeof rejectionTable>) {
      const error = new RejectionError(code, 'reason');
      expect(error.code).toBe(code);
      expect(error.name).toBe('RejectionError');
      expect(error).toBeInstanceOf(PayauthError);
    }
    expect(new InvalidOptionError('x', 'y').code).toBe(InvalidOptionError.code);
    expect(new KeyMaterialError('m').code).toBe('ERR_KEY_MATERIAL');
  });

  it('renders every documented body byte for byte', () => {
    expect(renderRejection('hmac', 'ERR_HMAC_SIGNATURE_MISMATCH')).toEqual({
      status: 401,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: HMAC_REJECTION_BODY,
    });
    expect(HMAC_REJECTION_BODY).toBe(
      '{"code":"1002","message":"Authorization error: Full authentication is required to access this resource"}',
    );
    expect(
      renderRejection('app-token', 'ERR_APP_TOKEN_SIGNATURE_MISMATCH', { requestId: 'cGeC7PH59ESqQw30' })
        .body,
    ).toBe('{"error_code":403,"error_message":"Incorrect signature","request_id":"cGeC7PH59ESqQw30"}');
    expect(renderRejection('api-key', 'ERR_API_KEY_CREDENTIALS_REQUIRED').body).toBe(
      '{"code":0,"error":"apiKey and apiSecret required"}',
    );
    expect(renderRejection('api-key', 'ERR_API_KEY_PAYLOAD_INVALID').body).toBe(
      '{"code":0,"error":"invalid payload"}',
    );
    expect(renderRejection('api-key', 'ERR_API_KEY_CREDENTIALS_INVALID')).toMatchObject({
      status: 401,
      body: '{"code":0,"error":"invalid credentials"}',
    });
    const oauth = renderRejection('private-key-jwt', 'ERR_ASSERTION_EXPIRED');
    expect(oauth.status).toBe(401);
    expect(JSON.parse(oauth.body).error).toBe('invalid_client');
    expect(renderRejection('private-key-jwt', 'ERR_OAUTH_UNSUPPORTED_GRANT_TYPE').status).toBe(400);
    const bearer = renderRejection('bearer', 'ERR_TOKEN_EXPIRED');
    expect(bearer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    const limited = renderRejection('hmac', 'ERR_RATE_LIMITED', { retryAfterSeconds: 30 });
    expect(limited).toMatchObject({ status: 429, headers: { 'retry-after': '30' } });
  });
});
