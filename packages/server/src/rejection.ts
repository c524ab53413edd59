import type { Mechanism, Surface } from '@payauth/core';
import { RejectionError, renderRejection } from '@payauth/core';
import type { BudgetCheck, BudgetTicket } from './budget/failure-budget.ts';
import type { AuthContext } from './context.ts';
import type { AuthRequest, GuardResult, NeutralResponse, Principal } from './http/types.ts';
import { whenSettled } from './sync.ts';

/** What the caller knew when it refused the request. */
export interface RejectionFacts {
  readonly surface: Surface;
  readonly mechanism: Mechanism | 'bearer';
  readonly publicId?: string;
  readonly credentialId?: string;
  /** Counted against the failure budgets now (false for a 429 itself, and for an attempt a reservation counted). */
  readonly countFailure?: boolean;
  /** A sandbox hint better than the error's own message (e.g. from `diagnoseHmacHeader`). */
  readonly hint?: string;
  readonly retryAfterSeconds?: number;
}

/**
 * The public id as it may be shown: as given when it named a credential (`credentialId` known), else its keyed
 * fingerprint — an unknown or mistyped id may be a secret pasted in the wrong place (docs/server.md, "What an attacker can
 * and cannot do to a partner").
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
export async function refuse(
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
  if (context.rejections.active) tellListeners(context, request, error, facts, publicId, at);
  // A reserved attempt is already counted (`countFailure: false`); others (Bearer routes) count now.
  if (facts.countFailure !== false) await context.budget.recordFailure(request.address, facts.publicId);
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

/** Tells the rejection listeners (the admin stream, metrics) of one refusal. */
function tellListeners(
  context: AuthContext,
  request: AuthRequest,
  error: RejectionError,
  facts: RejectionFacts,
  publicId: string | undefined,
  at: number,
): void {
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

/** A refused guard's answer. */
export async function refuseGuard(
  context: AuthContext,
  request: AuthRequest,
  error: RejectionError,
  facts: RejectionFacts,
): Promise<GuardResult> {
  return { ok: false, response: await refuse(context, request, error, facts) };
}

/** The 429 of a caller over its failure budget (not itself counted as a failure). */
function overBudget(retryAfter: number): RejectionError {
  return new RejectionError('ERR_RATE_LIMITED', `over the failure budget, retry in ${retryAfter} s`);
}

/** The facts of a 429: not counted, with its `Retry-After`. */
function overBudgetFacts(facts: RejectionFacts, retryAfter: number): RejectionFacts {
  return { ...facts, countFailure: false, retryAfterSeconds: retryAfter };
}

/** What {@link admitAttempt} decides: the 429 to send, or the reservation to settle (none when budgets were skipped). */
export type Admission =
  | { readonly refused: NeutralResponse }
  | {
      readonly refused?: undefined;
      readonly ticket: BudgetTicket | undefined;
      readonly facts: RejectionFacts;
    };

/**
 * The admission of a guessable attempt (a token request, an hmac header): the 429 when the address or the id is over
 * its failure budget, else a reservation — the attempt counted before it is verified, atomically with the check, so
 * at most the limit's worth of concurrent guesses is ever verified. The caller settles it: {@link accept} gives it
 * back, a refusal keeps it (its facts say `countFailure: false`), an error gives it back (`budget.release`).
 */
export async function admitAttempt(
  context: AuthContext,
  request: AuthRequest,
  facts: RejectionFacts,
): Promise<Admission> {
  const decision = await context.budget.reserve(request.address, facts.publicId);
  if ('retryAfter' in decision) {
    const refused = await refuse(
      context,
      request,
      overBudget(decision.retryAfter),
      overBudgetFacts(facts, decision.retryAfter),
    );
    return { refused };
  }
  return {
    ticket: decision.ticket,
    facts: decision.ticket === undefined ? facts : { ...facts, countFailure: false },
  };
}

/**
 * The budget check of an attempt that cannot be guessed (a Bearer token: checked, not reserved): the 429's answer when
 * over budget, else undefined. No promise when the state answered at once (see `settle` in ./sync.ts).
 */
export function checkAttempt(
  context: AuthContext,
  request: AuthRequest,
  facts: RejectionFacts,
): Promise<NeutralResponse | undefined> | undefined {
  const checked = context.budget.check(request.address, facts.publicId);
  // A promise of a promise settles as one: the answer is a promise (or undefined) either way.
  return whenSettled(checked, answerOverBudget, context, request, facts) as
    | Promise<NeutralResponse | undefined>
    | undefined;
}

function answerOverBudget(
  context: AuthContext,
  request: AuthRequest,
  facts: RejectionFacts,
  retryAfter: number | undefined,
): Promise<NeutralResponse> | undefined {
  if (retryAfter === undefined) return undefined;
  return refuse(context, request, overBudget(retryAfter), overBudgetFacts(facts, retryAfter));
}

/**
 * Accepts an attempt: settles its budget (gives a reservation back, or marks a checked attempt passed) and records the
 * success in the audit trail. Every guard and endpoint ends a success here.
 */
export function accept(
  context: AuthContext,
  request: AuthRequest,
  principal: Principal | (Omit<Principal, 'mechanism'> & { mechanism: Mechanism | 'bearer' }),
  budget?: { readonly ticket?: BudgetTicket | undefined; readonly check?: BudgetCheck },
): void {
  if (budget?.ticket !== undefined) context.budget.succeed(budget.ticket);
  if (budget?.check !== undefined) context.budget.passed(budget.check);
  context.audit.recordSuccess(
    context.now(),
    principal.mechanism,
    principal.credentialId,
    request.address,
    principal.publicId,
    request,
  );
}
