import { hash } from 'node:crypto';
import { InvalidOptionError } from '@payauth/core';
import type { BudgetCounter, Reservation, SharedState } from '../state/types.ts';
import { StoreUnavailableError } from '../store/errors.ts';

/** A limit of failures within a window. */
export interface BudgetLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/** Defaults: generous enough for a test suite's negative cases, tight enough to stop a guessing loop. */
const DEFAULT_FAILURE_BUDGET = {
  perCredential: { limit: 100, windowMs: 60_000 },
  perAddress: { limit: 1000, windowMs: 60_000 },
} as const;

/** How long an address that authenticated as an id keeps its own budget for that id (docs/server.md). */
const TRUSTED_ADDRESS_MS = 24 * 3600_000;

/** What a granted reservation counted, handed back on success. */
export interface BudgetTicket {
  readonly counted: readonly string[];
  /** Set when the address was a stranger to the id: a success makes it trusted. */
  readonly trustKey?: string;
}

/** Address and id pairs whose counters are kept built (a cache: past it, it starts again). */
const PLANS_LIMIT = 10_000;

/**
 * What {@link FailureBudget.checkNow} hands on when the attempt is within budget: the counters a failure counts (the
 * ones a reservation would have counted) and, when the address is a stranger to the id, the mark a success sets.
 */
export interface BudgetCheck {
  readonly counters: readonly BudgetCounter[];
  readonly trustKey: string | undefined;
}

/** The counters of one address and id, and the mark a success sets when the address was a stranger to the id. */
interface Plan {
  readonly counters: readonly BudgetCounter[];
  readonly trustKey: string | undefined;
  /** The checks {@link FailureBudget.checkNow} answers, made once: for a stranger address, and for a trusted one. */
  readonly asStranger: BudgetCheck;
  readonly asTrusted: BudgetCheck;
}

/** The budget's answer before a verification: wait (seconds), or go ahead with a ticket (none when skipped). */
export type BudgetDecision = { readonly retryAfter: number } | { readonly ticket: BudgetTicket | undefined };

/**
 * Failure budgets, kept in the shared state so that they count across instances, and checked before any crypto.
 *
 * Three counters (ids appear only as keyed fingerprints, never as given):
 * - per client address (`perAddress`);
 * - per id and address (`perCredential`): an address's own guesses at one id;
 * - per id for strangers (`perCredential`): every address that has not authenticated as this id in the last 24 h
 *   shares it. An address that has is exempt, so an attacker elsewhere cannot lock the owner out (docs/server.md,
 *   "What an attacker can and cannot do to a partner").
 *
 * {@link reserve} counts the attempt before the verification, atomically with the check (one Lua script on Redis,
 * one synchronous step in memory): of any number of concurrent attempts, at most the limit is verified. A success
 * gives its count back ({@link succeed}), so budgets still count failures only — plus attempts in flight.
 *
 * @example
 * ```ts
 * const budget = new FailureBudget({ state }); const decision = await budget.reserve('127.0.0.1', 'key')
 * ```
 */
export class FailureBudget {
  readonly #state: SharedState;
  readonly perCredential: BudgetLimit;
  readonly perAddress: BudgetLimit;
  readonly whenUnavailable: 'open' | 'closed';
  /** How many budget checks or counts were skipped because the shared state was unreachable. */
  skipped = 0;
  readonly #now: () => number;
  readonly #fingerprint: (id: string) => string;
  readonly #plans = new Map<string, Map<string | undefined, Plan>>();
  #planCount = 0;

  constructor(options: {
    state: SharedState;
    perCredential?: BudgetLimit;
    perAddress?: BudgetLimit;
    /**
     * When the shared state cannot be reached: `open` (default) skips the budget — checks and counts — and serves
     * (replay records still fail closed: they are correctness, budgets are defence in depth); `closed` answers 503.
     */
    whenUnavailable?: 'open' | 'closed';
    now?: () => number;
    /** Turns an id into the name its counters use (default: a SHA-256 prefix; createPayauth passes a keyed one). */
    fingerprint?: (id: string) => string;
  }) {
    this.whenUnavailable = options.whenUnavailable ?? 'open';
    this.#state = options.state;
    this.perCredential = options.perCredential ?? DEFAULT_FAILURE_BUDGET.perCredential;
    this.perAddress = options.perAddress ?? DEFAULT_FAILURE_BUDGET.perAddress;
    for (const [name, value] of [
      ['perCredential', this.perCredential],
      ['perAddress', this.perAddress],
    ] as const) {
      if (!(value.limit >= 1 && value.windowMs >= 1000)) {
        throw new InvalidOptionError(name, 'a limit of at least 1 and a window of at least 1000 ms');
      }
    }
    this.#now = options.now ?? Date.now;
    this.#fingerprint = options.fingerprint ?? ((id) => hash('sha256', id, 'base64url').slice(0, 16));
  }

  /**
   * The counters of an address and id, built once and kept (at most {@link PLANS_LIMIT} pairs): their names are then
   * the same strings on every request, so the state's lookups hash nothing new and no fingerprint is recomputed.
   */
  #plan(address: string, publicId: string | undefined): Plan {
    let byId = this.#plans.get(address);
    const known = byId?.get(publicId);
    if (known !== undefined) return known;
    const counters: BudgetCounter[] = [{ key: `fail:addr:${address}`, ...this.perAddress }];
    let trustKey: string | undefined;
    if (publicId !== undefined) {
      const id = this.#fingerprint(publicId);
      trustKey = `trust:${id}:${address}`;
      counters.push(
        { key: `fail:cred:${id}:${address}`, ...this.perCredential },
        { key: `fail:id:${id}`, ...this.perCredential, exemptWhile: trustKey },
      );
    }
    const plan: Plan = {
      counters,
      trustKey,
      asStranger: { counters, trustKey },
      asTrusted: { counters: counters.filter((c) => c.exemptWhile === undefined), trustKey: undefined },
    };
    if (this.#planCount >= PLANS_LIMIT) {
      this.#plans.clear();
      this.#planCount = 0;
      byId = undefined;
    }
    if (byId === undefined) {
      byId = new Map();
      this.#plans.set(address, byId);
    }
    byId.set(publicId, plan);
    this.#planCount++;
    return plan;
  }

  #retryAfter(resetAt: number): number {
    return Math.max(1, Math.ceil((resetAt - this.#now()) / 1000));
  }

  #unavailable(error: unknown): undefined {
    if (this.whenUnavailable === 'closed' || !(error instanceof StoreUnavailableError)) throw error;
    this.skipped++;
    return undefined;
  }

  #decide(plan: Plan, reservation: Reservation): BudgetDecision {
    if (!reservation.granted) return { retryAfter: this.#retryAfter(reservation.resetAt) };
    // The stranger counter was counted (the address is not yet trusted for the id): a success will trust it.
    const stranger = plan.trustKey !== undefined && reservation.counted.length === plan.counters.length;
    return {
      ticket: stranger
        ? { counted: reservation.counted, trustKey: plan.trustKey }
        : { counted: reservation.counted },
    };
  }

  /**
   * Checks and counts one attempt before it is verified, in one atomic step. When the state is unreachable and
   * budgets are `open`, the attempt goes ahead without a ticket.
   */
  async reserve(address: string, publicId?: string): Promise<BudgetDecision> {
    const plan = this.#plan(address, publicId);
    const { counters } = plan;
    try {
      if (this.#state.reserve) return this.#decide(plan, await this.#state.reserve(counters));
      // A state of your own without `reserve`: peek, then count (not atomic across concurrent callers).
      const retryAfter = await this.#checkAsync(counters);
      if (retryAfter !== undefined) return { retryAfter };
      await Promise.all(counters.map((c) => this.#state.increment(c.key, c.windowMs)));
      return { ticket: { counted: counters.map((c) => c.key) } };
    } catch (error) {
      this.#unavailable(error);
      return { ticket: undefined };
    }
  }

  /** A granted attempt succeeded: its count is given back, and a stranger address becomes trusted for the id. */
  succeed(ticket: BudgetTicket): void {
    this.release(ticket);
    if (ticket.trustKey !== undefined)
      void this.#state.increment(ticket.trustKey, TRUSTED_ADDRESS_MS).catch(() => {});
  }

  /** Gives a granted attempt's count back (it succeeded, or ended without a verdict, e.g. a 503). */
  release(ticket: BudgetTicket): void {
    // Not awaited: the answer goes out at once; a release lost while the state is down only costs budget.
    if (this.#state.release) void this.#state.release(ticket.counted).catch(() => {});
  }

  /**
   * The budget of an attempt whose verification ends in the same synchronous step (a cached credential, in-process
   * state): seconds to wait when over budget, else a {@link BudgetCheck} that counts nothing yet. Nothing can run
   * between the check and the verdict, so of any number of concurrent attempts at most the limit is verified, as
   * with {@link reserve}: the caller must end with {@link passed} or {@link failed} before it yields. Undefined when
   * the state cannot answer at once: then {@link reserve}.
   */
  checkNow(address: string, publicId?: string): number | BudgetCheck | undefined {
    const state = this.#state;
    if (state.peekNow === undefined || state.incrementNow === undefined) return undefined;
    const plan = this.#plan(address, publicId);
    let resetAt = 0;
    let exempt = false;
    for (const counter of plan.counters) {
      if (counter.exemptWhile !== undefined && state.peekNow(counter.exemptWhile).count > 0) {
        exempt = true;
        continue;
      }
      const { count, resetAt: end } = state.peekNow(counter.key);
      if (count >= counter.limit && end > resetAt) resetAt = end;
    }
    if (resetAt > 0) return this.#retryAfter(resetAt);
    return plan.trustKey === undefined || exempt ? plan.asTrusted : plan.asStranger;
  }

  /** A checked attempt succeeded: nothing was counted; a stranger address becomes trusted for the id. */
  passed(check: BudgetCheck): void {
    if (check.trustKey !== undefined) this.#state.incrementNow?.(check.trustKey, TRUSTED_ADDRESS_MS);
  }

  /** A checked attempt failed: it is counted now, as a reservation would have counted it. */
  failed(check: BudgetCheck): void {
    for (const counter of check.counters) this.#state.incrementNow?.(counter.key, counter.windowMs);
  }

  /**
   * Seconds to wait when the address (or the id) is over budget; undefined when within — a check without counting,
   * for routes whose verification cannot be guessed (Bearer tokens). Answers without a promise when the state can
   * ({@link checkNow}).
   */
  check(address: string, publicId?: string): number | undefined | Promise<number | undefined> {
    const checked = this.checkNow(address, publicId);
    if (checked !== undefined) return typeof checked === 'number' ? checked : undefined;
    return this.#checkAsync(this.#plan(address, publicId).counters).catch((error) =>
      this.#unavailable(error),
    );
  }

  async #checkAsync(counters: readonly BudgetCounter[]): Promise<number | undefined> {
    const peeked = await Promise.all(
      counters.map(async (counter) => {
        if (counter.exemptWhile !== undefined && (await this.#state.peek(counter.exemptWhile)).count > 0)
          return 0;
        const { count, resetAt } = await this.#state.peek(counter.key);
        return count >= counter.limit ? resetAt : 0;
      }),
    );
    const resetAt = Math.max(0, ...peeked);
    return resetAt > 0 ? this.#retryAfter(resetAt) : undefined;
  }

  /** Counts one failure that was not reserved (Bearer routes) against the address and, when known, the id. */
  async recordFailure(address: string, publicId?: string): Promise<void> {
    try {
      await Promise.all(
        this.#plan(address, publicId).counters.map((c) => this.#state.increment(c.key, c.windowMs)),
      );
    } catch (error) {
      this.#unavailable(error);
    }
  }
}
