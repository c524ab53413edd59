import type { Mechanism, RejectionCode, Surface } from '@payauth/core';
import { RejectionError, renderRejection } from '@payauth/core';
import type { BudgetDecision, BudgetTicket } from './budget/failure-budget.ts';
import type { AuthContext } from './context.ts';
import type { ResolvedCredential } from './credentials/resolver.ts';
import type { AuthRequest, GuardResult, NeutralResponse, Principal } from './http/types.ts';

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

/** The budget reservation of each request in flight (see {@link refuseOverBudget}). */
const tickets = new WeakMap<AuthRequest, BudgetTicket>();

/**
 * The public id as it may be shown: as given when it named a credential (`credentialId` known), else its keyed
 * fingerprint — an unknown or mistyped id may be a secret pasted in the wrong place (issue 12).
 */
function shownId(context: AuthContext, facts: RejectionFacts): string | undefined {
  if (facts.publicId === undefined) return undefined;
  return facts.credentialId === undefined ? context.fingerprint(facts.publicId) : facts.publicId.slice(0, 64);
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
 * tells the rejection listeners, and in sandbox mode adds the `Payauth-Hint` header. The body is always the
 * surface's documented one.
 */
export async function reject(
  context: AuthContext,
  request: AuthRequest,
  error: RejectionError,
  facts: RejectionFacts,
): Promise<NeutralResponse> {
  const publicId = shownId(context, facts);
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
  // A reserved attempt is already counted; others (Bearer routes) count now.
  if (facts.countFailure !== false && !tickets.has(request))
    await context.budget.recordFailure(request.address, facts.publicId);
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

/** What {@link admit} decides: the refusal to send, or the credential (undefined when unknown). */
export type Admission =
  | { refused: NeutralResponse }
  | { refused?: undefined; credential: ResolvedCredential | undefined };

/**
 * The admission step of a token endpoint once the public id is read: the 429 when the caller is over its failure
 * budget, else the credential (undefined when unknown: the resolver answers so for an id outside the one grammar
 * without asking the store). Answers without a promise when nothing has to wait.
 */
export function admit(
  context: AuthContext,
  request: AuthRequest,
  mechanism: Mechanism,
  facts: RejectionFacts & { readonly publicId: string },
): Admission | Promise<Admission> {
  const over = refuseOverBudget(context, request, facts);
  if (over !== undefined) {
    return over.then(async (refused) =>
      refused ? { refused } : { credential: await context.resolver.resolve(mechanism, facts.publicId) },
    );
  }
  // In-process state and a cached credential: no promise (docs/architecture.md, "Hot paths avoid promises").
  const resolved = context.resolver.resolve(mechanism, facts.publicId);
  return resolved instanceof Promise
    ? resolved.then((credential) => ({ credential }))
    : { credential: resolved };
}

/**
 * Refuses a request whose header or body could not be parsed: 429 when the caller is over its failure budget, else
 * the parse error's documented answer. Anything but a {@link RejectionError} is rethrown (a bug, not a bad request).
 */
export async function refuseInvalid(
  context: AuthContext,
  request: AuthRequest,
  error: unknown,
  facts: RejectionFacts,
): Promise<NeutralResponse> {
  if (!(error instanceof RejectionError)) throw error;
  return (await refuseOverBudget(context, request, facts)) ?? reject(context, request, error, facts);
}

/**
 * Answers 429 when the address or credential is over its failure budget; undefined when within. For the guessable
 * mechanisms (everything but Bearer tokens) the attempt is counted here, atomically with the check, before it is
 * verified — so at most the limit's worth of concurrent guesses is ever verified — and given back by
 * {@link auditSuccess}. Returns no promise at all when the shared state can answer at once (in-process memory),
 * since the guards' hot path then awaits nothing (docs/architecture.md, "Hot paths avoid promises").
 */
export function refuseOverBudget(
  context: AuthContext,
  request: AuthRequest,
  facts: RejectionFacts,
): Promise<NeutralResponse | undefined> | undefined {
  // No closure is made on the way through (one per request was measurable): only a promise's callbacks are.
  if (facts.mechanism === 'bearer') {
    const checked = context.budget.check(request.address, facts.publicId);
    if (checked instanceof Promise) return checked.then((wait) => overBudget(context, request, facts, wait));
    return checked === undefined ? undefined : overBudget(context, request, facts, checked);
  }
  const decided = context.budget.reserve(request.address, facts.publicId);
  if (decided instanceof Promise) return decided.then((decision) => take(context, request, facts, decision));
  return take(context, request, facts, decided);
}

/** A reservation's decision: the 429 when refused, else the ticket kept for the request's verdict. */
function take(
  context: AuthContext,
  request: AuthRequest,
  facts: RejectionFacts,
  decision: BudgetDecision,
): Promise<NeutralResponse> | undefined {
  if ('retryAfter' in decision) return overBudget(context, request, facts, decision.retryAfter);
  if (decision.ticket !== undefined) tickets.set(request, decision.ticket);
  return undefined;
}

/** The 429 of a caller over its failure budget (not itself counted as a failure); undefined when within. */
function overBudget(
  context: AuthContext,
  request: AuthRequest,
  facts: RejectionFacts,
  retryAfter: number | undefined,
): Promise<NeutralResponse> | undefined {
  if (retryAfter === undefined) return undefined;
  return rejectWith(
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
}

/**
 * Gives back the budget reservation of a request that ended without a verdict — an error such as the store being
 * unreachable (503): that was no guess, and must not spend the caller's budget (a PostgreSQL outage would otherwise
 * leave every busy partner at 429 once it is over).
 */
export function releaseReservation(context: AuthContext, request: AuthRequest): void {
  const ticket = tickets.get(request);
  if (ticket === undefined) return;
  tickets.delete(request);
  context.budget.release(ticket);
}

/** A guard's refusal, once its answer is rendered. */
export async function refused(response: Promise<NeutralResponse> | NeutralResponse): Promise<GuardResult> {
  return { ok: false, response: await response };
}

/** Records a successful authentication in the audit trail. */
export function auditSuccess(
  context: AuthContext,
  request: AuthRequest,
  principal: Principal | (Omit<Principal, 'mechanism'> & { mechanism: Mechanism | 'bearer' }),
): void {
  const ticket = tickets.get(request);
  if (ticket !== undefined) {
    tickets.delete(request);
    context.budget.succeed(ticket);
  }
  context.audit.recordSuccess(
    context.now(),
    principal.mechanism,
    principal.credentialId,
    request.address,
    principal.publicId,
    request,
  );
}
