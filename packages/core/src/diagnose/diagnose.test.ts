import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificate, type TestCertificate } from '../../../../test/support/certificates.ts';
import vectors from '../../vectors/vectors.json' with { type: 'json' };
import { encodeBase64url } from '../encoding/base64url.ts';
import { formatHmacHeader } from '../hmac/hmac.ts';
import { createClientAssertion } from '../private-key-jwt/assertion.ts';
import { computeThumbprints } from '../private-key-jwt/thumbprints.ts';
import { type Diagnosis, diagnoseAssertion, diagnoseHmacHeader } from './diagnose.ts';
import { diagnosisMessages, type Language } from './messages.ts';

const v = vectors.hmac[0]!;
const { accessKey, secretKey } = v;
const now = v.timestamp + 1000;
const languages: Language[] = ['en', 'fr'];

const codes = (d: Diagnosis): string[] => d.findings.map((f) => f.code);
const hex = (key: string, message: string): string => createHmac('sha256', key).update(message).digest('hex');
const header = (ts: string | number, signature: string, version = '1'): string =>
  `AUTH ${accessKey}:${ts}:${version}:${signature}`;

const hmacCases: Array<[string, string, string]> = [
  ['a valid header', v.header, 'VALID'],
  [
    'a timestamp in seconds',
    header(1672650134, hex(secretKey, `${accessKey}:1672650134:1:`)),
    'TIMESTAMP_IN_SECONDS',
  ],
  [
    'a stale timestamp',
    header(v.timestamp - 600_000, hex(secretKey, `${accessKey}:${v.timestamp - 600_000}:1:`)),
    'TIMESTAMP_STALE',
  ],
  [
    'a future timestamp',
    header(v.timestamp + 900_000, hex(secretKey, `${accessKey}:${v.timestamp + 900_000}:1:`)),
    'TIMESTAMP_FUTURE',
  ],
  ['a missing trailing colon', header(v.timestamp, vectors.hmacMistakes[0]!.sign), 'MISSING_TRAILING_COLON'],
  [
    'key and secret swapped',
    `AUTH ${secretKey}:${v.timestamp}:1:${hex(accessKey, `${secretKey}:${v.timestamp}:1:`)}`,
    'KEY_AND_SECRET_SWAPPED',
  ],
  [
    'HMAC key and message swapped',
    header(v.timestamp, hex(v.stringToSign, secretKey)),
    'HMAC_ARGUMENTS_SWAPPED',
  ],
  [
    'a wrong version',
    header(v.timestamp, hex(secretKey, `${accessKey}:${v.timestamp}:2:`), '2'),
    'VERSION_UNSUPPORTED',
  ],
  ['uppercase hex', header(v.timestamp, v.sign.toUpperCase()), 'UPPERCASE_HEX'],
  ['truncated hex', header(v.timestamp, v.sign.slice(0, 40)), 'TRUNCATED_SIGNATURE'],
  [
    'base64 instead of hex',
    header(v.timestamp, Buffer.from(v.sign, 'hex').toString('base64')),
    'BASE64_SIGNATURE',
  ],
  [
    'typographic quotes and dashes',
    v.header.replace('-Fox', '\u2013Fox').replace('AUTH ', 'AUTH\u00a0'),
    'TYPOGRAPHIC_CHARACTERS',
  ],
  ['the header name pasted in', `Authorization: ${v.header}`, 'HEADER_NAME_INCLUDED'],
  [
    "the document's curl placeholders",
    'AUTH odzAr67enYtX7vDdiLwdMYOTh6R4ZQUz:[Timestamp]:1:[Sign]',
    'PLACEHOLDER_NOT_REPLACED',
  ],
  ['a wrong secret', header(v.timestamp, hex('another secret', v.stringToSign)), 'SIGNATURE_MISMATCH'],
  ['a missing scheme', v.header.slice(5), 'SCHEME_MISSING'],
];

describe('doctor hmac names the cause', () => {
  for (const language of languages) {
    for (const [name, value, code] of hmacCases) {
      it(`${name} → ${code} (${language})`, () => {
        const diagnosis = diagnoseHmacHeader({ header: value, accessKey, secretKey, now, language });
        expect(codes(diagnosis)).toContain(code);
        expect(diagnosis.valid).toBe(code === 'VALID');
        const finding = diagnosis.findings.find((f) => f.code === code)!;
        expect(finding.message).toBe(
          diagnosisMessages[code as keyof typeof diagnosisMessages][language](finding.details),
        );
        for (const f of diagnosis.findings) {
          expect(f.message).not.toContain(secretKey);
          expect(f.message).not.toContain(v.sign);
        }
      });
    }
  }

  it('still finds the real cause behind typographic characters', () => {
    const pasted = `AUTH\u00a0${accessKey}:${Math.floor(v.timestamp / 1000)}:1:${v.sign}`;
    expect(codes(diagnoseHmacHeader({ header: pasted, now }))).toEqual(
      expect.arrayContaining(['TYPOGRAPHIC_CHARACTERS', 'TIMESTAMP_IN_SECONDS']),
    );
  });

  it('says the signature was not checked without a secret', () => {
    expect(codes(diagnoseHmacHeader({ header: v.header, now }))).toEqual(['SIGNATURE_NOT_CHECKED']);
    expect(formatHmacHeader(v)).toBe(v.header);
  });

  it('French and English differ for every cause', () => {
    for (const [code, text] of Object.entries(diagnosisMessages)) {
      const details = {
        characters: 'x',
        placeholder: 'x',
        count: 1,
        ageMs: 1,
        limitMs: 1,
        aheadMs: 1,
        version: 'x',
        length: 1,
        sent: 'x',
        expected: 'x',
        reason: 'x',
        algorithm: 'x',
        allowed: 'x',
        kid: 'x',
        from: 'x',
        to: 'x',
        iss: 'x',
        sub: 'x',
        aud: 'x',
        seconds: 1,
        claim: 'x',
      };
      expect(text.fr(details), code).not.toBe(text.en(details));
    }
  });
});

describe('doctor private-key-jwt names the cause', () => {
  const TOKEN_URL = 'https://signin.emaplan.com/connect/token';
  let cert: TestCertificate;
  let other: TestCertificate;
  // Dated once the certificates exist (a second ahead: openssl dates a certificate from the current second), not when
  // the file is collected: collection may come long before this suite runs (platform/web-suite.test.ts).
  let nowMs = 0;
  let s = 0;
  beforeAll(() => {
    cert = createTestCertificate();
    other = createTestCertificate();
    nowMs = Date.now() + 2000;
    s = Math.floor(nowMs / 1000);
  });
  const craft = (header: object, payload: object, key = cert): string => {
    const input = `${encodeBase64url(JSON.stringify(header))}.${encodeBase64url(JSON.stringify(payload))}`;
    const { sign } = globalThis.process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
    return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
  };
  const good = (): Record<string, unknown> => ({
    sub: 'c1',
    iss: 'c1',
    aud: TOKEN_URL,
    exp: s + 300,
    iat: s,
    jti: 'j',
  });
  const kid = (): string => computeThumbprints(cert.certificate).x5t;

  const cases: Array<[string, () => string, string]> = [
    [
      'a valid assertion',
      () =>
        createClientAssertion({
          clientId: 'c1',
          privateKey: cert.privateKey,
          certificate: cert.certificate,
          audience: TOKEN_URL,
          now: nowMs,
        }),
      'VALID',
    ],
    [
      'exp more than a day ahead',
      () => craft({ alg: 'RS256', kid: kid() }, { ...good(), exp: s + 2 * 86_400 }),
      'EXPIRY_TOO_FAR',
    ],
    [
      'exp in milliseconds',
      () => craft({ alg: 'RS256', kid: kid() }, { ...good(), exp: nowMs + 60_000 }),
      'EXPIRY_IN_MILLISECONDS',
    ],
    [
      'an expired assertion',
      () => craft({ alg: 'RS256', kid: kid() }, { ...good(), exp: s - 600 }),
      'ASSERTION_EXPIRED',
    ],
    [
      'a wrong aud',
      () =>
        craft(
          { alg: 'RS256', kid: kid() },
          { ...good(), aud: 'https://signin-api-beta.emaadvisor.com/connect/token' },
        ),
      'AUDIENCE_MISMATCH',
    ],
    [
      'kid in hex form',
      () => craft({ alg: 'RS256', kid: computeThumbprints(cert.certificate).hex }, good()),
      'KID_HEX_FORM',
    ],
    [
      'kid in SHA-256 form',
      () => craft({ alg: 'RS256', kid: computeThumbprints(cert.certificate)['x5t#S256'] }, good()),
      'KID_S256_FORM',
    ],
    [
      'kid in an unexpected form',
      () => craft({ alg: 'RS256', kid: 'my-key-1' }, good()),
      'KID_UNEXPECTED_FORM',
    ],
    [
      'kid of another certificate',
      () => craft({ alg: 'RS256', kid: computeThumbprints(other.certificate).x5t }, good()),
      'KID_OTHER_CERTIFICATE',
    ],
    [
      'signed by another key',
      () => craft({ alg: 'RS256', kid: kid() }, good(), other),
      'ASSERTION_SIGNATURE_INVALID',
    ],
    [
      'alg none',
      () => `${encodeBase64url('{"alg":"none"}')}.${encodeBase64url(JSON.stringify(good()))}.`,
      'ALGORITHM_NONE',
    ],
    ['alg HS256', () => craft({ alg: 'HS256', kid: kid() }, good()), 'ALGORITHM_SYMMETRIC'],
    [
      'iss different from sub',
      () => craft({ alg: 'RS256', kid: kid() }, { ...good(), iss: 'c2' }),
      'ISSUER_SUBJECT_MISMATCH',
    ],
    [
      'another client id',
      () => craft({ alg: 'RS256', kid: kid() }, { ...good(), iss: 'c9', sub: 'c9' }),
      'CLIENT_ID_DIFFERS',
    ],
    ['no exp', () => craft({ alg: 'RS256', kid: kid() }, { ...good(), exp: undefined }), 'EXPIRY_MISSING'],
    [
      'nbf in the future',
      () => craft({ alg: 'RS256', kid: kid() }, { ...good(), nbf: s + 3600 }),
      'NOT_YET_VALID',
    ],
    ['not a JWT', () => 'abc.def', 'ASSERTION_MALFORMED'],
  ];

  for (const language of languages) {
    for (const [name, make, code] of cases) {
      it(`${name} → ${code} (${language})`, () => {
        const diagnosis = diagnoseAssertion({
          assertion: make(),
          certificate: cert.certificatePem,
          clientId: 'c1',
          audiences: [TOKEN_URL],
          now: nowMs,
          language,
        });
        expect(codes(diagnosis)).toContain(code);
        expect(diagnosis.valid).toBe(
          code === 'VALID' || code.startsWith('KID_HEX') || code.startsWith('KID_S256'),
        );
      });
    }
  }
});
