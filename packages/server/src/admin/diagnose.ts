import { X509Certificate } from 'node:crypto';
import {
  assertionAudiences,
  computeThumbprints,
  type Diagnosis,
  type DiagnosisCode,
  decodeClientAssertion,
  describeDiagnosis,
  diagnoseAccessToken,
  diagnoseAppTokenBody,
  diagnoseAssertion,
  diagnoseHmacHeader,
  diagnoseTokenRequest,
  type Finding,
  kidMatches,
  type Language,
  RejectionError,
} from '@payauth/core';
import { isLive, type ResolvedCredential } from '../credentials/resolver.ts';
import type { AuthRequest, NeutralResponse, Route } from '../http/types.ts';
import type { AdminHost } from './host.ts';
import { readJsonObject } from './request.ts';
import { adminError, adminJson } from './responses.ts';

/** What the playground can diagnose. */
const diagnoseKinds = ['hmac-header', 'assertion', 'token-request', 'app-token-body', 'token'] as const;

/** One of {@link diagnoseKinds}. */
export type DiagnoseKind = (typeof diagnoseKinds)[number];

/** The answer of `POST /admin/api/diagnose`: doctor's diagnosis, and whether the server's own secret was used. */
export interface AdminDiagnosis extends Diagnosis {
  readonly kind: DiagnoseKind;
  /** True when the signature was checked with the secret (or certificate) this server holds — never returned. */
  readonly serverSecretUsed: boolean;
}

const MAX_VALUE = 16_384;

function extra(code: DiagnosisCode, language: Language): Finding {
  return { code, severity: 'error', message: describeDiagnosis(code, {}, language), details: {} };
}

/** Prepends server-side findings (unknown, revoked) to a diagnosis and recomputes `valid`. */
function withFindings(diagnosis: Diagnosis, first: Finding[]): Diagnosis {
  if (first.length === 0) return diagnosis;
  const findings = [...first, ...diagnosis.findings.filter((f) => f.code !== 'VALID')];
  return { valid: !findings.some((f) => f.severity === 'error'), findings };
}

async function resolve(
  host: AdminHost,
  mechanism: 'hmac' | 'app-token' | 'private-key-jwt',
  publicId: string | undefined,
): Promise<ResolvedCredential | undefined> {
  if (publicId === undefined || publicId === '' || publicId.length > 256) return undefined;
  return await host.resolver.resolve(mechanism, publicId);
}

/** The registered certificate (PEM) that an assertion's kid names, or the newest live one. */
async function certificateFor(
  host: AdminHost,
  credential: ResolvedCredential,
  kid: unknown,
): Promise<string | undefined> {
  const pems = (
    await host.store.listSecrets(credential.record.id, host.now(), 'private-key-jwt-certificate')
  ).map((secret) => secret.value);
  if (typeof kid === 'string') {
    const named = pems.find((pem) => kidMatches(kid, computeThumbprints(new X509Certificate(pem))));
    if (named) return named;
  }
  return pems.at(-1);
}

function subjectOf(assertion: string): { sub?: string; kid?: unknown } {
  try {
    const decoded = decodeClientAssertion(assertion.trim().replace(/^Bearer\s+/i, ''));
    return {
      ...(typeof decoded.payload.sub === 'string' ? { sub: decoded.payload.sub } : {}),
      kid: decoded.header.kid,
    };
  } catch {
    return {};
  }
}

/**
 * Runs the same diagnosis as `payauth doctor` on a pasted value, with what the server knows: for `hmac-header` and
 * `app-token-body` the secret of the named credential (when the caller gives none), for `assertion` and
 * `token-request` the client's registered certificate and the accepted audiences, for `token` the server's own
 * verification. The secret is used, never returned: findings never hold an expected signature.
 *
 * @example
 * ```ts
 * const diagnosis = await diagnoseForAdmin(host, 'hmac-header', header, undefined, 'fr')
 * ```
 */
export async function diagnoseForAdmin(
  host: AdminHost,
  kind: DiagnoseKind,
  value: string,
  secretKey: string | undefined,
  language: Language,
): Promise<AdminDiagnosis> {
  const now = host.now();
  const audiences = assertionAudiences(host.config.issuer);
  const algorithms = host.config.privateKeyJwt.algorithms as Parameters<
    typeof diagnoseAssertion
  >[0]['algorithms'];
  switch (kind) {
    case 'hmac-header': {
      const accessKey = /AUTH\s+([^:\s]+):/i.exec(value)?.[1];
      const credential = secretKey === undefined ? await resolve(host, 'hmac', accessKey) : undefined;
      const first: Finding[] = [];
      if (secretKey === undefined && accessKey !== undefined && credential === undefined) {
        first.push(extra('ACCESS_KEY_UNKNOWN', language));
      } else if (credential?.record.status === 'revoked') first.push(extra('CREDENTIAL_REVOKED', language));
      const serverSecret = credential?.hmacKeys
        .find((key) => isLive(key, now))
        ?.key.export()
        .toString('utf8');
      const secret = secretKey ?? serverSecret;
      const diagnosis = diagnoseHmacHeader({
        header: value,
        ...(secret === undefined ? {} : { secretKey: secret }),
        now,
        maxAgeMs: host.config.hmac.maxAgeMs,
        maxFutureMs: host.config.hmac.maxFutureMs,
        language,
      });
      return { kind, ...withFindings(diagnosis, first), serverSecretUsed: serverSecret !== undefined };
    }
    case 'app-token-body': {
      let applicationId: string | undefined;
      try {
        const parsed = JSON.parse(value) as { application_id?: unknown };
        if (typeof parsed?.application_id === 'string' || typeof parsed?.application_id === 'number') {
          applicationId = String(parsed.application_id);
        }
      } catch {
        applicationId = undefined;
      }
      const credential =
        secretKey === undefined ? await resolve(host, 'app-token', applicationId) : undefined;
      const first: Finding[] = [];
      if (secretKey === undefined && applicationId !== undefined && credential === undefined) {
        first.push(extra('APPLICATION_UNKNOWN', language));
      } else if (credential?.record.status === 'revoked') first.push(extra('CREDENTIAL_REVOKED', language));
      const serverSecret = credential?.appSecrets.find((entry) => isLive(entry, now))?.secret;
      const secret = secretKey ?? serverSecret;
      const diagnosis = diagnoseAppTokenBody({
        body: value,
        ...(secret === undefined ? {} : { secretKey: secret }),
        language,
      });
      return { kind, ...withFindings(diagnosis, first), serverSecretUsed: serverSecret !== undefined };
    }
    case 'assertion':
    case 'token-request': {
      const assertion =
        kind === 'assertion' ? value : (new URLSearchParams(value).get('client_assertion') ?? '');
      const { sub, kid } = subjectOf(assertion);
      const credential = await resolve(host, 'private-key-jwt', sub);
      const first: Finding[] = [];
      if (sub !== undefined && credential === undefined) first.push(extra('CLIENT_UNKNOWN', language));
      else if (credential?.record.status === 'revoked') first.push(extra('CREDENTIAL_REVOKED', language));
      const certificate = credential ? await certificateFor(host, credential, kid) : undefined;
      const common = {
        ...(certificate === undefined ? {} : { certificate }),
        ...(credential ? { clientId: credential.record.publicId } : {}),
        audiences,
        ...(algorithms ? { algorithms } : {}),
        now,
        language,
      };
      const diagnosis =
        kind === 'assertion'
          ? diagnoseAssertion({ assertion: value, ...common })
          : diagnoseTokenRequest({ body: value, ...common });
      return { kind, ...withFindings(diagnosis, first), serverSecretUsed: certificate !== undefined };
    }
    case 'token': {
      const token = value.trim().replace(/^Bearer\s+/i, '');
      let signatureVerified = true;
      try {
        await host.issuer.verify(token);
      } catch (error) {
        signatureVerified = error instanceof RejectionError && error.code === 'ERR_TOKEN_EXPIRED';
      }
      const diagnosis = diagnoseAccessToken({
        token,
        issuer: host.config.issuer,
        signatureVerified,
        now,
        language,
      });
      return { kind, ...diagnosis, serverSecretUsed: true };
    }
  }
}

/**
 * `POST /admin/api/diagnose` `{kind, value, secretKey?, lang}`: the playground's route.
 *
 * @example
 * ```ts
 * payauth.addRoutes([createDiagnoseRoute(host)])
 * ```
 */
export function createDiagnoseRoute(host: AdminHost): Route {
  return {
    method: 'POST',
    path: '/admin/api/diagnose',
    readsBody: true,
    async handle(request: AuthRequest): Promise<NeutralResponse> {
      const body = readJsonObject(request);
      if (!body.ok) return adminError('invalid_request', body.message);
      const { kind, value, secretKey, lang } = body.value;
      if (typeof kind !== 'string' || !(diagnoseKinds as readonly string[]).includes(kind)) {
        return adminError('invalid_request', `kind must be one of ${diagnoseKinds.join(', ')}`);
      }
      if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE) {
        return adminError('invalid_request', `value must be a string of 1 to ${MAX_VALUE} characters`);
      }
      if (secretKey !== undefined && (typeof secretKey !== 'string' || secretKey.length > 1024)) {
        return adminError('invalid_request', 'secretKey must be a string');
      }
      const language = lang ?? 'en';
      if (language !== 'en' && language !== 'fr')
        return adminError('invalid_request', 'lang must be en or fr');
      return adminJson(
        200,
        await diagnoseForAdmin(host, kind as DiagnoseKind, value, secretKey as string | undefined, language),
      );
    },
  };
}
