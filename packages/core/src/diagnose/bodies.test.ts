import { generateKeyPairSync, hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestCertificate } from '../../../../test/support/certificates.ts';
import { signAppToken } from '../app-token/app-token.ts';
import { rejectionTable } from '../errors/codes.ts';
import { CLIENT_ASSERTION_TYPE, createClientAssertion } from '../private-key-jwt/assertion.ts';
import { signAccessToken } from '../tokens/access-token.ts';
import { describeRejection, rejectionAdvice } from './advice.ts';
import { diagnoseAccessToken, diagnoseAppTokenBody, diagnoseTokenRequest } from './bodies.ts';
import type { Diagnosis } from './diagnose.ts';

const codes = (d: Diagnosis): string[] => d.findings.map((f) => f.code);

describe('diagnoseAppTokenBody', () => {
  const secretKey = 'test';
  const applicationId = '1234';
  const date = '2020-04-06 11:15:27';
  const body = (fields: Record<string, unknown>) =>
    JSON.stringify({
      application_id: applicationId,
      date,
      signature: signAppToken({ secretKey, applicationId, date }),
      ...fields,
    });

  it('accepts the right body, and says when the signature was not checked', () => {
    expect(diagnoseAppTokenBody({ body: body({}), secretKey })).toMatchObject({
      valid: true,
      findings: [{ code: 'VALID' }],
    });
    expect(codes(diagnoseAppTokenBody({ body: body({}) }))).toEqual(['SIGNATURE_NOT_CHECKED']);
  });

  it.each([
    ['not JSON', '{', 'BODY_NOT_JSON'],
    ['a missing date', body({ date: undefined }), 'PARAMETER_MISSING'],
    ['a numeric signature', body({ signature: 5 }), 'PARAMETER_NOT_STRING'],
    ['a long application id', body({ application_id: 'x'.repeat(21) }), 'PARAMETER_TOO_LONG'],
    [
      'uppercase hex',
      body({ signature: signAppToken({ secretKey, applicationId, date }).toUpperCase() }),
      'UPPERCASE_HEX',
    ],
    [
      'the wrong order',
      body({ signature: hash('sha512', `${applicationId}|${date}|${secretKey}`, 'hex') }),
      'APP_SIGNATURE_WRONG_ORDER',
    ],
    [
      'SHA-256',
      body({ signature: hash('sha256', `${secretKey}|${applicationId}|${date}`, 'hex') }),
      'APP_SIGNATURE_WRONG_HASH',
    ],
    [
      'another secret',
      body({ signature: signAppToken({ secretKey: 'other', applicationId, date }) }),
      'APP_SIGNATURE_MISMATCH',
    ],
  ])('names %s', (_name, text, code) => {
    const diagnosis = diagnoseAppTokenBody({ body: text, secretKey, language: 'fr' });
    expect(diagnosis.valid).toBe(false);
    expect(codes(diagnosis)).toContain(code);
    expect(JSON.stringify(diagnosis)).not.toContain(
      signAppToken({ secretKey, applicationId, date }).slice(0, 32),
    );
  });
});

describe('diagnoseTokenRequest', () => {
  const certificate = createTestCertificate();
  const audience = 'http://127.0.0.1:9/connect/token';
  const assertion = (options: { clientId?: string } = {}) =>
    createClientAssertion({
      clientId: options.clientId ?? 'client-1',
      audience,
      privateKey: certificate.privateKey,
      certificate: certificate.certificate,
    });
  const form = (fields: Record<string, string>) =>
    new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion(),
      scope: 'API',
      ...fields,
    }).toString();
  const check = (body: string) =>
    diagnoseTokenRequest({
      body,
      certificate: certificate.certificatePem,
      clientId: 'client-1',
      audiences: [audience],
      scopes: ['API'],
    });

  it('accepts a right request', () => {
    expect(check(form({}))).toMatchObject({ valid: true });
  });

  it('names the form problems, then the assertion ones', () => {
    expect(codes(check('grant_type=password'))).toEqual([
      'FORM_FIELD_MISSING',
      'FORM_FIELD_MISSING',
      'GRANT_TYPE_UNSUPPORTED',
    ]);
    expect(codes(check(`${form({})}&grant_type=client_credentials`))).toEqual(['FORM_FIELD_REPEATED']);
    expect(codes(check(form({ client_assertion_type: 'jwt' })))).toEqual(['ASSERTION_TYPE_WRONG']);
    expect(codes(check(form({ scope: 'ADMIN' })))).toEqual(['SCOPE_NOT_ALLOWED']);
    expect(codes(check(form({ client_id: 'client-2' })))).toEqual(['FORM_CLIENT_ID_DIFFERS']);
    expect(codes(check(form({ client_assertion: assertion({ clientId: 'client-2' }) })))).toContain(
      'CLIENT_ID_DIFFERS',
    );
  });
});

describe('diagnoseAccessToken', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const now = Date.parse('2026-11-25T10:00:00Z');
  const issued = signAccessToken(
    { iss: 'http://127.0.0.1:9', sub: 'cred_1', partner: 'p', mechanism: 'api-key' } as never,
    60,
    { kid: 'k1', privateKey } as never,
    now,
  ).token;

  it('reads the mechanism of a valid token and names the other cases', () => {
    const valid = diagnoseAccessToken({
      token: `Bearer ${issued}`,
      issuer: 'http://127.0.0.1:9',
      signatureVerified: true,
      now,
    });
    expect(valid).toMatchObject({ valid: true });
    expect(codes(valid)).toEqual(['TOKEN_MECHANISM', 'VALID']);
    expect(codes(diagnoseAccessToken({ token: issued, now: now + 120_000, language: 'fr' }))).toContain(
      'TOKEN_EXPIRED',
    );
    expect(codes(diagnoseAccessToken({ token: issued, issuer: 'http://other', now }))).toContain(
      'TOKEN_NOT_ISSUED_HERE',
    );
    expect(codes(diagnoseAccessToken({ token: issued, signatureVerified: false, now }))).toContain(
      'TOKEN_NOT_ISSUED_HERE',
    );
    expect(codes(diagnoseAccessToken({ token: 'abc' }))).toEqual(['TOKEN_MALFORMED']);
  });
});

describe('rejectionAdvice', () => {
  it('has advice in English and French for every rejection code, and nothing else', () => {
    expect(Object.keys(rejectionAdvice).sort()).toEqual(Object.keys(rejectionTable).sort());
    for (const [code, advice] of Object.entries(rejectionAdvice)) {
      expect(advice.en.length, code).toBeGreaterThan(10);
      expect(advice.fr.length, code).toBeGreaterThan(10);
      expect(advice.fr, code).not.toBe(advice.en);
    }
    expect(describeRejection('ERR_TOKEN_EXPIRED', 'fr')).toMatch(/nouveau jeton/);
    expect(describeRejection('toString')).toBeUndefined();
  });
});
