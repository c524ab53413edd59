import type { Mechanism, RejectionCode, Surface } from '@payauth/core';
import { RejectionError, renderRejection } from '@payauth/core';
import type { AuthContext } from './context.ts';
import type { AuthRequest, NeutralResponse, Principal } from './http/types.ts';

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

function asciiHint(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, 300);
}

/**
 * Turns a refusal into the documented response: audits it, counts it against the failure budgets, logs the reason,
 * tells the rejection listeners, and in sandbox mode adds the `Payauth-Hint` header. The body is always the
 * surface's documented one.
 */
export async function reject(
  context: AuthContext,
  request: AuthRequest,
  error: RejectionError,
  facts: RejectionFacts,
): Promise<NeutralResponse> {
  const publicId = facts.publicId?.slice(0, 64);
  const at = context.now();
  context.audit.record({
    at,
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
  if (context.rejections.active) {
    context.rejections.emit({
      at,
      mechanism: facts.mechanism,
      code: error.code,
      reason: error.message,
      ...(facts.hint === undefined ? {} : { hint: facts.hint }),
      ...(publicId === undefined ? {} : { publicId }),
      ...(facts.credentialId === undefined ? {} : { credentialId: facts.credentialId }),
      requestId: request.requestId,
      address: request.address,
      method: request.method,
      path: request.path,
      headerNames: Object.keys(request.headers),
    });
  }
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
): Promise<NeutralResponse> {
  return reject(context, request, new RejectionError(code, reason), facts);
}

/**
 * Answers 429 when the address or credential is over its failure budget; undefined when within. Returns no promise
 * at all when the shared state can answer at once (in-process memory), since the guards' hot path then awaits
 * nothing (docs/architecture.md, "Hot paths avoid promises").
 */
export function refuseOverBudget(
  context: AuthContext,
  request: AuthRequest,
  facts: RejectionFacts,
): Promise<NeutralResponse | undefined> | undefined {
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
