import { platform } from '#platform';
import { APP_TOKEN_LIMITS } from '../app-token/app-token.ts';
import { decodeBase64urlText } from '../encoding/base64url.ts';
import { CLIENT_ASSERTION_TYPE, decodeClientAssertion } from '../private-key-jwt/assertion.ts';
import { type DiagnoseAssertionInput, type Diagnosis, diagnoseAssertion, type Finding } from './diagnose.ts';
import { type DiagnosisCode, describeDiagnosis, type Language } from './messages.ts';

function finding(
  code: DiagnosisCode,
  severity: Finding['severity'],
  language: Language,
  details: Record<string, string | number> = {},
): Finding {
  return { code, severity, message: describeDiagnosis(code, details, language), details };
}

/** Ends a diagnosis: valid when no finding is an error; `VALID` added when nothing was left unchecked. */
function conclude(findings: Finding[], language: Language): Diagnosis {
  const valid = !findings.some((f) => f.severity === 'error');
  if (valid && !findings.some((f) => f.code === 'SIGNATURE_NOT_CHECKED')) {
    findings.push(finding('VALID', 'info', language));
  }
  return { valid, findings };
}

/** Inputs of {@link diagnoseTokenRequest}: the form body, and what the server knows of the client. */
export interface DiagnoseTokenRequestInput extends Omit<DiagnoseAssertionInput, 'assertion'> {
  /** The `application/x-www-form-urlencoded` body of `POST /connect/token`. */
  readonly body: string;
  /** Scopes the client may ask for (default: not checked). */
  readonly scopes?: readonly string[];
}

/**
 * Names every reason an eMoney token request would be refused: the form (fields, grant type, assertion type, scope,
 * `client_id`), then the client assertion it carries, as {@link diagnoseAssertion} does.
 *
 * @example
 * ```ts
 * diagnoseTokenRequest({ body: 'grant_type=password', language: 'fr' }).findings[0].code // 'GRANT_TYPE_UNSUPPORTED'
 * ```
 */
export function diagnoseTokenRequest(input: DiagnoseTokenRequestInput): Diagnosis {
  const language = input.language ?? 'en';
  const findings: Finding[] = [];
  const form = new URLSearchParams(input.body.slice(0, 16_384).trim());
  for (const field of ['grant_type', 'client_assertion_type', 'client_assertion'] as const) {
    const count = form.getAll(field).length;
    if (count === 0) findings.push(finding('FORM_FIELD_MISSING', 'error', language, { field }));
    else if (count > 1) findings.push(finding('FORM_FIELD_REPEATED', 'error', language, { field }));
  }
  const grantType = form.get('grant_type');
  if (grantType !== null && grantType !== 'client_credentials') {
    findings.push(
      finding('GRANT_TYPE_UNSUPPORTED', 'error', language, { grantType: grantType.slice(0, 64) }),
    );
  }
  const assertionType = form.get('client_assertion_type');
  if (assertionType !== null && assertionType !== CLIENT_ASSERTION_TYPE) {
    findings.push(finding('ASSERTION_TYPE_WRONG', 'error', language));
  }
  const scope = form.get('scope');
  if (scope !== null && input.scopes !== undefined) {
    const refused = scope.split(' ').filter((s) => s !== '' && !input.scopes!.includes(s));
    if (refused.length > 0) {
      findings.push(
        finding('SCOPE_NOT_ALLOWED', 'error', language, {
          scope: refused.join(' ').slice(0, 64),
          allowed: input.scopes.join(' '),
        }),
      );
    }
  }
  const assertion = form.get('client_assertion');
  if (assertion === null) return conclude(findings, language);
  const clientId = form.get('client_id');
  if (clientId !== null) {
    try {
      if (decodeClientAssertion(assertion).payload.sub !== clientId) {
        findings.push(finding('FORM_CLIENT_ID_DIFFERS', 'error', language));
      }
    } catch {
      // The assertion's own diagnosis below names why it does not decode.
    }
  }
  const { body: _body, scopes: _scopes, ...assertionInput } = input;
  const inner = diagnoseAssertion({ ...assertionInput, assertion, language });
  findings.push(...inner.findings.filter((f) => f.code !== 'VALID'));
  return conclude(findings, language);
}

/** Inputs of {@link diagnoseAppTokenBody}. */
export interface DiagnoseAppTokenBodyInput {
  /** The JSON body of `POST /authorizer/token/application/get`. */
  readonly body: string;
  /** The application's secret: needed to check the signature. */
  readonly secretKey?: string;
  readonly language?: Language;
}

/**
 * Names every reason a Fondy token request body would be refused: JSON, each parameter (present, a string, within
 * its documented length), the signature's form, and — with the secret — the usual mistakes (order, hash). Never puts
 * the expected signature in a finding.
 *
 * @example
 * ```ts
 * diagnoseAppTokenBody({ body: '{"application_id":"1234"}' }).findings[0].code // 'PARAMETER_MISSING'
 * ```
 */
export function diagnoseAppTokenBody(input: DiagnoseAppTokenBodyInput): Diagnosis {
  const language = input.language ?? 'en';
  const findings: Finding[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.body.slice(0, 16_384));
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    findings.push(finding('BODY_NOT_JSON', 'error', language));
    return conclude(findings, language);
  }
  const record = parsed as Record<string, unknown>;
  const limits = {
    application_id: APP_TOKEN_LIMITS.applicationId,
    date: APP_TOKEN_LIMITS.date,
    signature: APP_TOKEN_LIMITS.signature,
  } as const;
  for (const [parameter, limit] of Object.entries(limits)) {
    const value = record[parameter];
    if (parameter === 'application_id' && typeof value === 'number' && Number.isSafeInteger(value)) continue;
    if (value === undefined || value === null || value === '') {
      findings.push(finding('PARAMETER_MISSING', 'error', language, { parameter }));
    } else if (typeof value !== 'string') {
      findings.push(finding('PARAMETER_NOT_STRING', 'error', language, { parameter }));
    } else if (value.length > limit) {
      findings.push(finding('PARAMETER_TOO_LONG', 'error', language, { parameter, limit }));
    }
  }
  if (findings.length > 0) return conclude(findings, language);
  const applicationId = String(record.application_id);
  const date = record.date as string;
  const signature = record.signature as string;
  if (/^[0-9A-F]{128}$/i.test(signature) && !/^[0-9a-f]{128}$/.test(signature)) {
    findings.push(finding('UPPERCASE_HEX', 'error', language));
  } else if (!/^[0-9a-f]+$/i.test(signature) || (signature.length !== 128 && input.secretKey === undefined)) {
    findings.push(finding('APP_SIGNATURE_NOT_HEX', 'error', language));
  }
  if (input.secretKey === undefined) {
    findings.push(finding('SIGNATURE_NOT_CHECKED', 'info', language));
    return conclude(findings, language);
  }
  const sent = signature.toLowerCase();
  const secret = input.secretKey;
  const digest = (algorithm: 'sha1' | 'sha256' | 'sha512', text: string): string =>
    platform.digest(algorithm, text, 'hex');
  if (digest('sha512', `${secret}|${applicationId}|${date}`) === sent) return conclude(findings, language);
  const orders = [
    [secret, date, applicationId],
    [applicationId, date, secret],
    [applicationId, secret, date],
    [date, applicationId, secret],
    [date, secret, applicationId],
  ];
  const text = `${secret}|${applicationId}|${date}`;
  if (orders.some((order) => digest('sha512', order.join('|')) === sent)) {
    findings.push(finding('APP_SIGNATURE_WRONG_ORDER', 'error', language));
  } else if (digest('sha256', text) === sent || digest('sha1', text) === sent) {
    findings.push(finding('APP_SIGNATURE_WRONG_HASH', 'error', language));
  } else if (!findings.some((f) => f.severity === 'error')) {
    findings.push(finding('APP_SIGNATURE_MISMATCH', 'error', language));
  }
  return conclude(findings, language);
}

/** Inputs of {@link diagnoseAccessToken}. */
export interface DiagnoseAccessTokenInput {
  /** The token, with or without `Bearer `. */
  readonly token: string;
  /** The issuer the server puts in `iss`. */
  readonly issuer?: string;
  /** The verifier's verdict on the signature and key, when the caller has the keys (a server does). */
  readonly signatureVerified?: boolean;
  readonly now?: number;
  readonly language?: Language;
}

/**
 * Names why an access token of this server would be refused (shape, issuer, signature, expiry) and which mechanism's
 * resources it opens.
 *
 * @example
 * ```ts
 * diagnoseAccessToken({ token: 'abc' }).findings[0].code // 'TOKEN_MALFORMED'
 * ```
 */
export function diagnoseAccessToken(input: DiagnoseAccessTokenInput): Diagnosis {
  const language = input.language ?? 'en';
  const findings: Finding[] = [];
  const token = input.token.trim().replace(/^Bearer\s+/i, '');
  const parts = token.split('.');
  let claims: Record<string, unknown> | undefined;
  if (parts.length === 3 && parts.every((part) => /^[A-Za-z0-9_-]+$/.test(part))) {
    try {
      const decoded: unknown = JSON.parse(decodeBase64urlText(parts[1]!) ?? '');
      if (decoded !== null && typeof decoded === 'object') claims = decoded as Record<string, unknown>;
    } catch {
      claims = undefined;
    }
  }
  if (claims === undefined) {
    findings.push(finding('TOKEN_MALFORMED', 'error', language));
    return conclude(findings, language);
  }
  const now = input.now ?? Date.now();
  const expired = typeof claims.exp === 'number' && claims.exp * 1000 <= now;
  if (expired) {
    findings.push(
      finding('TOKEN_EXPIRED', 'error', language, {
        seconds: Math.round(now / 1000 - (claims.exp as number)),
      }),
    );
  }
  if (
    (input.issuer !== undefined && claims.iss !== input.issuer) ||
    (input.signatureVerified === false && !expired)
  ) {
    findings.push(finding('TOKEN_NOT_ISSUED_HERE', 'error', language));
  }
  if (typeof claims.mechanism === 'string') {
    findings.push(finding('TOKEN_MECHANISM', 'info', language, { mechanism: claims.mechanism.slice(0, 32) }));
  }
  if (input.signatureVerified === undefined)
    findings.push(finding('SIGNATURE_NOT_CHECKED', 'info', language));
  return conclude(findings, language);
}
