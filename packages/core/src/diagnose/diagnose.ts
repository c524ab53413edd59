import type { X509Certificate } from 'node:crypto';
import { platform } from '#platform';
import { HMAC_DEFAULT_WINDOW, HMAC_VERSION } from '../hmac/hmac.ts';
import {
  type AssertionAlgorithm,
  decodeClientAssertion,
  registerCertificate,
  verifyAssertionSignature,
} from '../private-key-jwt/assertion.ts';
import { classifyKid, computeThumbprints, kidMatches } from '../private-key-jwt/thumbprints.ts';
import { type DiagnosisCode, describeDiagnosis, type Language } from './messages.ts';

/** One cause found by a diagnosis. */
export interface Finding {
  readonly code: DiagnosisCode;
  /** `error`: the server rejects because of it; `warning`: accepted but worth knowing; `info`: context. */
  readonly severity: 'error' | 'warning' | 'info';
  /** The sentence in the requested language. */
  readonly message: string;
  readonly details: Readonly<Record<string, string | number>>;
}

/** The result of a diagnosis: `valid` is true when no finding is an error. */
export interface Diagnosis {
  readonly valid: boolean;
  readonly findings: readonly Finding[];
}

const TYPOGRAPHIC: Readonly<Record<string, string>> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u2032': "'",
  '\u2033': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2010': '-',
  '\u2011': '-',
  '\u2212': '-',
  '\u00a0': ' ',
  '\u202f': ' ',
  '\u200b': '',
  '\ufeff': '',
};
const TYPOGRAPHIC_PATTERN = new RegExp(`[${Object.keys(TYPOGRAPHIC).join('')}]`, 'g');

class Collector {
  readonly findings: Finding[] = [];
  private readonly language: Language;
  constructor(language: Language) {
    this.language = language;
  }
  add(
    code: DiagnosisCode,
    severity: Finding['severity'],
    details: Record<string, string | number> = {},
  ): void {
    // One finding per cause: two checks may reach the same conclusion (a swapped key is seen in the header's access
    // key and again in the signature).
    if (this.findings.some((finding) => finding.code === code)) return;
    this.findings.push({ code, severity, message: describeDiagnosis(code, details, this.language), details });
  }
  result(): Diagnosis {
    const valid = !this.findings.some((f) => f.severity === 'error');
    if (valid && !this.findings.some((f) => f.code === 'SIGNATURE_NOT_CHECKED')) this.add('VALID', 'info');
    return { valid, findings: this.findings };
  }
}

/** Replaces typographic quotes, dashes and spaces by their ASCII forms; reports which were found. */
function normalizeTypography(text: string): { text: string; found: string[] } {
  const found = new Set<string>();
  const normalized = text.replace(TYPOGRAPHIC_PATTERN, (c) => {
    found.add(`U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
    return TYPOGRAPHIC[c] ?? '';
  });
  return { text: normalized, found: [...found] };
}

/** Inputs of {@link diagnoseHmacHeader}. */
export interface DiagnoseHmacInput {
  /** The Authorization header value (with or without the `Authorization:` name). */
  readonly header: string;
  /** The access key the caller expects (optional). */
  readonly accessKey?: string;
  /** The secret key: needed to check the signature and find swapped or wrongly built inputs. */
  readonly secretKey?: string;
  /** The server's time in ms (default `Date.now()`). */
  readonly now?: number;
  readonly maxAgeMs?: number;
  readonly maxFutureMs?: number;
  readonly language?: Language;
}

const hmacHex = (key: string, message: string): string => platform.hmacSha256Hex(key, message);

/**
 * Names every reason an API-money `AUTH` header would be refused — the document's FAQ "I get error 1002", answered
 * by a program. Never puts the expected signature in a finding.
 *
 * @example
 * ```ts
 * diagnoseHmacHeader({ header: 'AUTH k:1672650133:1:…', now: Date.now() }).findings[0].code // 'TIMESTAMP_IN_SECONDS'
 * ```
 */
export function diagnoseHmacHeader(input: DiagnoseHmacInput): Diagnosis {
  const out = new Collector(input.language ?? 'en');
  const now = input.now ?? Date.now();
  const maxAgeMs = input.maxAgeMs ?? HMAC_DEFAULT_WINDOW.maxAgeMs;
  const maxFutureMs = input.maxFutureMs ?? HMAC_DEFAULT_WINDOW.maxFutureMs;
  const typography = normalizeTypography(input.header.slice(0, 2048));
  if (typography.found.length > 0) {
    out.add('TYPOGRAPHIC_CHARACTERS', 'error', { characters: typography.found.join(' ') });
  }
  let value = typography.text.trim();
  const named = /^authorization\s*:\s*/i.exec(value);
  if (named) {
    out.add('HEADER_NAME_INCLUDED', 'error');
    value = value.slice(named[0].length);
  }
  const scheme = /^auth\s+/i.exec(value);
  if (!scheme || !value.startsWith('AUTH ')) out.add('SCHEME_MISSING', 'error');
  if (scheme) value = value.slice(scheme[0].length);
  const placeholder = /\[[A-Za-z_]+\]|<[A-Za-z_]+>|\{[A-Za-z_ ]+\}/.exec(value);
  if (placeholder) out.add('PLACEHOLDER_NOT_REPLACED', 'error', { placeholder: placeholder[0] });
  const fields = value.split(':');
  if (fields.length !== 4) {
    out.add('FIELD_COUNT', 'error', { count: fields.length });
    return out.result();
  }
  const [accessKey, timestampText, version, signature] = fields as [string, string, string, string];
  if (input.accessKey !== undefined && accessKey !== input.accessKey) {
    if (input.secretKey !== undefined && accessKey === input.secretKey)
      out.add('KEY_AND_SECRET_SWAPPED', 'error');
    else out.add('ACCESS_KEY_DIFFERS', 'error', { sent: accessKey.slice(0, 64), expected: input.accessKey });
  }
  let timestamp: number | undefined;
  if (!/^[0-9]{1,16}$/.test(timestampText)) {
    if (!placeholder) out.add('TIMESTAMP_NOT_DIGITS', 'error');
  } else {
    timestamp = Number(timestampText);
    const age = now - timestamp;
    // 9 to 11 digits that make a date between 2001 and 2103 once multiplied by 1000: seconds, not milliseconds.
    if (timestampText.length <= 11 && timestamp * 1000 >= 1e12 && timestamp * 1000 < 4.2e12) {
      out.add('TIMESTAMP_IN_SECONDS', 'error');
    } else if (age > maxAgeMs) {
      out.add('TIMESTAMP_STALE', 'error', { ageMs: age, limitMs: maxAgeMs });
    } else if (-age > maxFutureMs) {
      out.add('TIMESTAMP_FUTURE', 'error', { aheadMs: -age, limitMs: maxFutureMs });
    }
  }
  if (version !== HMAC_VERSION) out.add('VERSION_UNSUPPORTED', 'error', { version: version.slice(0, 16) });
  const signatureShape = classifySignature(signature);
  if (signatureShape === 'uppercase') out.add('UPPERCASE_HEX', 'error');
  else if (signatureShape === 'truncated')
    out.add('TRUNCATED_SIGNATURE', 'error', { length: signature.length });
  else if (signatureShape === 'base64') out.add('BASE64_SIGNATURE', 'error');
  else if (signatureShape === 'other' && !placeholder) out.add('SIGNATURE_NOT_HEX', 'error');
  if (input.secretKey === undefined || timestamp === undefined) {
    out.add('SIGNATURE_NOT_CHECKED', 'info');
    return out.result();
  }
  const signed = signature.toLowerCase();
  const stringToSign = `${accessKey}:${timestampText}:${version}:`;
  const secret = input.secretKey;
  const matches = (candidate: string): boolean =>
    signatureShape === 'truncated' ? candidate.startsWith(signed) : candidate === signed;
  if (matches(hmacHex(secret, stringToSign))) return out.result();
  // The signature is wrong for this secret: try the mistakes people make, most frequent first.
  if (matches(hmacHex(secret, stringToSign.slice(0, -1)))) out.add('MISSING_TRAILING_COLON', 'error');
  else if (matches(hmacHex(stringToSign, secret))) out.add('HMAC_ARGUMENTS_SWAPPED', 'error');
  else if (matches(hmacHex(accessKey, `${secret}:${timestampText}:${version}:`))) {
    out.add('KEY_AND_SECRET_SWAPPED', 'error');
  } else if (
    input.accessKey !== undefined &&
    matches(hmacHex(input.accessKey, `${secret}:${timestampText}:${version}:`))
  ) {
    out.add('KEY_AND_SECRET_SWAPPED', 'error');
  } else if (!out.findings.some((f) => f.code === 'KEY_AND_SECRET_SWAPPED')) {
    out.add('SIGNATURE_MISMATCH', 'error');
  }
  return out.result();
}

function classifySignature(signature: string): 'ok' | 'uppercase' | 'truncated' | 'base64' | 'other' {
  if (/^[0-9a-f]{64}$/.test(signature)) return 'ok';
  if (/^[0-9A-Fa-f]{64}$/.test(signature)) return 'uppercase';
  if (/^[0-9A-Fa-f]{1,63}$/.test(signature)) return 'truncated';
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(signature)) return 'base64';
  return 'other';
}

/** Inputs of {@link diagnoseAssertion}. */
export interface DiagnoseAssertionInput {
  readonly assertion: string;
  /** The registered certificate (PEM or X509Certificate): needed to check kid and signature. */
  readonly certificate?: string | X509Certificate;
  /** The client_id the server assigned. */
  readonly clientId?: string;
  /** The token endpoint URL (and optionally the issuer URL) the server accepts as `aud`. */
  readonly audiences?: readonly string[];
  readonly algorithms?: readonly AssertionAlgorithm[];
  readonly now?: number;
  readonly language?: Language;
}

/**
 * Names every reason an eMoney client assertion would be refused: alg, kid form, signature, iss/sub, aud, exp.
 *
 * @example
 * ```ts
 * diagnoseAssertion({ assertion, certificate: pem, audiences: ['https://signin.emaplan.com/connect/token'] })
 * ```
 */
export function diagnoseAssertion(input: DiagnoseAssertionInput): Diagnosis {
  const out = new Collector(input.language ?? 'en');
  const now = input.now ?? Date.now();
  const typography = normalizeTypography(input.assertion);
  if (typography.found.length > 0)
    out.add('TYPOGRAPHIC_CHARACTERS', 'error', { characters: typography.found.join(' ') });
  const text = typography.text.trim().replace(/^Bearer\s+/i, '');
  let decoded: ReturnType<typeof decodeClientAssertion>;
  try {
    decoded = decodeClientAssertion(text);
  } catch (error) {
    out.add('ASSERTION_MALFORMED', 'error', {
      reason: error instanceof Error ? error.message : 'unreadable',
    });
    return out.result();
  }
  const { header, payload } = decoded;
  const allowed = input.algorithms ?? ['RS256'];
  const alg = String(header.alg).slice(0, 16);
  if (alg === 'none') out.add('ALGORITHM_NONE', 'error');
  else if (/^HS/i.test(alg)) out.add('ALGORITHM_SYMMETRIC', 'error', { algorithm: alg });
  else if (!(allowed as readonly string[]).includes(alg)) {
    out.add('ALGORITHM_NOT_ALLOWED', 'error', { algorithm: alg, allowed: allowed.join(', ') });
  }
  const certificate =
    input.certificate === undefined
      ? undefined
      : typeof input.certificate === 'string'
        ? new (platform.nodeCrypto().X509Certificate)(input.certificate)
        : input.certificate;
  const thumbprints = certificate ? computeThumbprints(certificate) : undefined;
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  if (kid === undefined) out.add('KID_MISSING', 'warning');
  else {
    const form = classifyKid(kid);
    if (thumbprints && !kidMatches(kid, thumbprints)) {
      out.add(form ? 'KID_OTHER_CERTIFICATE' : 'KID_UNEXPECTED_FORM', 'error', {
        kid: kid.slice(0, 64),
        expected: thumbprints.x5t,
      });
    } else if (form === 'hex') out.add('KID_HEX_FORM', 'warning');
    else if (form === 'x5t#S256') out.add('KID_S256_FORM', 'warning');
    else if (form === undefined) {
      out.add('KID_UNEXPECTED_FORM', 'warning', {
        kid: kid.slice(0, 64),
        expected: thumbprints?.x5t ?? 'x5t',
      });
    }
  }
  if (certificate) {
    const registered = registerCertificate(certificate);
    if (now < registered.notBefore || now >= registered.notAfter) {
      out.add('CERTIFICATE_NOT_VALID_NOW', 'error', { from: certificate.validFrom, to: certificate.validTo });
    } else if (
      (allowed as readonly string[]).includes(alg) &&
      !verifyAssertionSignature(decoded, registered.publicKey)
    ) {
      out.add('ASSERTION_SIGNATURE_INVALID', 'error');
    }
  }
  const iss = String(payload.iss).slice(0, 64);
  const sub = String(payload.sub).slice(0, 64);
  if (payload.iss !== payload.sub || typeof payload.sub !== 'string')
    out.add('ISSUER_SUBJECT_MISMATCH', 'error', { iss, sub });
  else if (input.clientId !== undefined && payload.sub !== input.clientId) {
    out.add('CLIENT_ID_DIFFERS', 'error', { sub, expected: input.clientId });
  }
  if (input.audiences && input.audiences.length > 0) {
    const aud = payload.aud;
    const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.map(String) : [];
    if (!list.some((a) => input.audiences!.includes(a))) {
      out.add('AUDIENCE_MISMATCH', 'error', {
        aud: list.join(' ').slice(0, 200) || '(none)',
        expected: input.audiences[0]!,
      });
    }
  }
  const nowSeconds = now / 1000;
  const exp = payload.exp;
  if (typeof exp !== 'number') out.add('EXPIRY_MISSING', 'error');
  else if (exp > 1e12) out.add('EXPIRY_IN_MILLISECONDS', 'error');
  else if (exp <= nowSeconds - 15)
    out.add('ASSERTION_EXPIRED', 'error', { seconds: Math.round(nowSeconds - exp) });
  else if (exp - nowSeconds > 86_400 + 15)
    out.add('EXPIRY_TOO_FAR', 'error', { seconds: Math.round(exp - nowSeconds) });
  for (const claim of ['nbf', 'iat'] as const) {
    const value = payload[claim];
    if (typeof value === 'number' && value > nowSeconds + 15) {
      out.add('NOT_YET_VALID', 'error', { claim, seconds: Math.round(value - nowSeconds) });
    }
  }
  if (payload.jti === undefined) out.add('JTI_MISSING', 'warning');
  return out.result();
}
