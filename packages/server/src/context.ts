import {
  type AssertionAlgorithm,
  type Mechanism,
  type PublicResponse,
  type RejectionCode,
  RejectionError,
  renderRejection,
  type Surface,
} from '@payauth/core';
import type { AuditRecorder } from './audit/recorder.ts';
import type { CredentialResolver } from './credentials/resolver.ts';
import type { FailureBudget } from './guards/failure-budget.ts';
import type { Envelope } from './secrets/envelope.ts';
import type { SharedState } from './state/types.ts';
import type { CredentialStore } from './store/types.ts';
import type { TokenIssuer } from './tokens/issuer.ts';

/** Settings of the guards and endpoints. Every field has a documented default (docs/server.md). */
export interface AuthConfig {
  /** The public base URL (behind a proxy, the URL clients use). `aud` and `iss` derive from it. */
  readonly issuer: string;
  /** Sandbox: add a `Payauth-Hint` header naming the cause to every rejection. */
  readonly hints: boolean;
  readonly hmac: { readonly maxAgeMs: number; readonly maxFutureMs: number; readonly singleUse: boolean };
  readonly appToken: {
    readonly strict: boolean;
    readonly dateWindowMs: number;
    readonly lifetimeSeconds: number;
  };
  readonly privateKeyJwt: {
    readonly algorithms: readonly AssertionAlgorithm[];
    readonly lifetimeSeconds: number;
    readonly clockToleranceSeconds: number;
    readonly maxAssertionLifetimeSeconds: number;
    readonly scopes: readonly string[];
  };
  readonly apiKey: { readonly lifetimeSeconds: number };
}

/** The defaults of SPEC.md. */
export function defaultAuthConfig(issuer: string, overrides: Partial<AuthConfig> = {}): AuthConfig {
  return {
    issuer: issuer.replace(/\/+$/, ''),
    hints: false,
    hmac: { maxAgeMs: 300_000, maxFutureMs: 300_000, singleUse: false },
    appToken: { strict: false, dateWindowMs: 300_000, lifetimeSeconds: 3602 },
    privateKeyJwt: {
      algorithms: ['RS256'],
      lifetimeSeconds: 3600,
      clockToleranceSeconds: 15,
      maxAssertionLifetimeSeconds: 86_400,
      scopes: ['API'],
    },
    apiKey: { lifetimeSeconds: 3600 },
    ...overrides,
  };
}

/** Everything the guards and endpoints need. */
export interface AuthContext {
  readonly config: AuthConfig;
  readonly store: CredentialStore;
  readonly state: SharedState;
  readonly resolver: CredentialResolver;
  readonly issuer: TokenIssuer;
  readonly audit: AuditRecorder;
  readonly budget: FailureBudget;
  readonly envelope: Envelope;
  readonly now: () => number;
  /** Receives one line per rejection (code, reason, ids; never a secret). */
  readonly log: (entry: Record<string, unknown>) => void;
}

/** A request as the framework-neutral handlers see it. */
export interface AuthRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The client's address (for failure budgets and the audit trail). */
  readonly address: string;
  /** 16 characters; Fondy's `request_id`. */
  readonly requestId: string;
  /** The raw body, for the token endpoints. */
  readonly body?: string;
  readonly query?: Readonly<Record<string, string | string[] | undefined>>;
}

/** Who a request authenticated as. */
export interface Principal {
  readonly mechanism: Mechanism;
  readonly credentialId: string;
  readonly partnerId: string;
  readonly publicId: string;
}

/** A guard's answer: a principal, or the response to send. */
export type GuardResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly response: PublicResponse };

/** One header's single value; a repeated header counts as absent-and-malformed (undefined is returned for it). */
export function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : '\u0000repeated') : value;
}

/** What the caller knew when it refused the request. */
export interface RejectionFacts {
  readonly surface: Surface;
  readonly mechanism: Mechanism | 'bearer';
  readonly publicId?: string;
  readonly credentialId?: string;
  /** Counted against the failure budgets (false for a 429 itself). */
  readonly countFailure?: boolean;
  /** A sandbox hint better than the error's own message (e.g. from `diagnoseHmacHeader`). */
  readonly hint?: string;
  readonly retryAfterSeconds?: number;
}

/** A header value is ASCII: accents dropped (é → e), any other character named by its code point (’ → U+2019). */
function asciiHint(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(
      /[^\x20-\x7e]/gu,
      (character) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`,
    )
    .slice(0, 300);
}

/**
 * Turns a refusal into the documented response: audits it, counts it against the failure budgets, logs the reason,
 * and in sandbox mode adds the `Payauth-Hint` header. The body is always the surface's documented one.
 */
export async function reject(
  context: AuthContext,
  request: AuthRequest,
  error: RejectionError,
  facts: RejectionFacts,
): Promise<PublicResponse> {
  const publicId = facts.publicId?.slice(0, 64);
  context.audit.record({
    at: context.now(),
    mechanism: facts.mechanism,
    ...(publicId === undefined ? {} : { publicId }),
    ...(facts.credentialId === undefined ? {} : { credentialId: facts.credentialId }),
    outcome: 'failure',
    reason: error.code,
    address: request.address,
    requestId: request.requestId,
  });
  context.log({
    event: 'auth.rejected',
    mechanism: facts.mechanism,
    code: error.code,
    reason: error.message,
    publicId,
    requestId: request.requestId,
    address: request.address,
  });
  if (facts.countFailure !== false) await context.budget.recordFailure(request.address, publicId);
  const publicMessage =
    typeof error.details.publicMessage === 'string' ? error.details.publicMessage : undefined;
  const response = renderRejection(facts.surface, error.code, {
    requestId: request.requestId,
    ...(publicMessage === undefined ? {} : { publicMessage }),
    ...(facts.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: facts.retryAfterSeconds }),
  });
  if (!context.config.hints) return response;
  return {
    ...response,
    headers: {
      ...response.headers,
      'payauth-hint': asciiHint(`${error.code}: ${facts.hint ?? error.message}`),
    },
  };
}

/** Refuses with a code and a reason (a shortcut for {@link reject}). */
export function rejectWith(
  context: AuthContext,
  request: AuthRequest,
  code: RejectionCode,
  reason: string,
  facts: RejectionFacts,
): Promise<PublicResponse> {
  return reject(context, request, new RejectionError(code, reason), facts);
}

/**
 * Answers 429 when the address or credential is over its failure budget; undefined when within. Synchronous (no
 * promise at all) when the shared state can answer at once, which is the hot path of a single instance.
 */
export function refuseOverBudget(
  context: AuthContext,
  request: AuthRequest,
  facts: RejectionFacts,
): Promise<PublicResponse | undefined> | undefined {
  const checked = context.budget.check(request.address, facts.publicId?.slice(0, 64));
  const refuse = (retryAfter: number | undefined) =>
    retryAfter === undefined
      ? undefined
      : rejectWith(
          context,
          request,
          'ERR_RATE_LIMITED',
          `over the failure budget, retry in ${retryAfter} s`,
          {
            ...facts,
            countFailure: false,
            retryAfterSeconds: retryAfter,
          },
        );
  return checked instanceof Promise ? checked.then(refuse) : refuse(checked);
}

/** Records a successful authentication in the audit trail. */
export function auditSuccess(
  context: AuthContext,
  request: AuthRequest,
  principal: Principal | (Omit<Principal, 'mechanism'> & { mechanism: Mechanism | 'bearer' }),
): void {
  context.audit.record({
    at: context.now(),
    mechanism: principal.mechanism,
    publicId: principal.publicId.slice(0, 64),
    credentialId: principal.credentialId,
    outcome: 'success',
    reason: 'OK',
    address: request.address,
    requestId: request.requestId,
  });
}

/** A JSON 200 response. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): PublicResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}
