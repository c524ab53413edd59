import { InvalidOptionError } from '@payauth/core';
import type { SharedState } from '../state/types.ts';
import { StoreUnavailableError } from '../store/errors.ts';

/** A limit of failures within a window. */
export interface BudgetLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/** Defaults: generous enough for a test suite's negative cases, tight enough to stop a guessing loop. */
export const DEFAULT_FAILURE_BUDGET = {
  perCredential: { limit: 100, windowMs: 60_000 },
  perAddress: { limit: 1000, windowMs: 60_000 },
} as const;

/**
 * Failure budgets per credential (public id) and per client address, kept in the shared state so that they count
 * across instances. `check` runs before any crypto: a caller over budget gets 429 with `Retry-After` without the
 * server spending a signature verification on it.
 *
 * @example
 * ```ts
 * const budget = new FailureBudget({ state }); const over = await budget.check('127.0.0.1', 'key')
 * ```
 */
export class FailureBudget {
  readonly #state: SharedState;
  readonly perCredential: BudgetLimit;
  readonly perAddress: BudgetLimit;
  readonly whenUnavailable: 'open' | 'closed';
  /** How many budget checks were skipped because the shared state was unreachable. */
  skipped = 0;
  readonly #now: () => number;

  constructor(options: {
    state: SharedState;
    perCredential?: BudgetLimit;
    perAddress?: BudgetLimit;
    /**
     * When the shared state cannot be reached: `open` (default) skips the budget and serves (replay records still
     * fail closed: they are correctness, budgets are defence in depth); `closed` answers 503.
     */
    whenUnavailable?: 'open' | 'closed';
    now?: () => number;
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
  }

  /**
   * Seconds to wait when the address or the credential is over budget; undefined when within. Answers without a
   * promise when the state can (in-process memory).
   */
  check(address: string, publicId?: string): number | undefined | Promise<number | undefined> {
    const state = this.#state;
    if (state.peekNow) {
      return this.#decide(
        state.peekNow(`fail:addr:${address}`),
        publicId === undefined ? undefined : state.peekNow(`fail:cred:${publicId}`),
      );
    }
    return this.#checkAsync(address, publicId);
  }

  async #checkAsync(address: string, publicId?: string): Promise<number | undefined> {
    try {
      const [byAddress, byCredential] = await Promise.all([
        this.#state.peek(`fail:addr:${address}`),
        publicId === undefined ? undefined : this.#state.peek(`fail:cred:${publicId}`),
      ]);
      return this.#decide(byAddress, byCredential);
    } catch (error) {
      if (this.whenUnavailable === 'closed' || !(error instanceof StoreUnavailableError)) throw error;
      this.skipped++;
      return undefined;
    }
  }

  #decide(
    byAddress: { count: number; resetAt: number },
    byCredential: { count: number; resetAt: number } | undefined,
  ): number | undefined {
    const resetAt = Math.max(
      byAddress.count >= this.perAddress.limit ? byAddress.resetAt : 0,
      byCredential && byCredential.count >= this.perCredential.limit ? byCredential.resetAt : 0,
    );
    return resetAt > 0 ? Math.max(1, Math.ceil((resetAt - this.#now()) / 1000)) : undefined;
  }

  /** Counts one failure against the address and, when known, the credential. */
  async recordFailure(address: string, publicId?: string): Promise<void> {
    const work = [this.#state.increment(`fail:addr:${address}`, this.perAddress.windowMs)];
    if (publicId !== undefined)
      work.push(this.#state.increment(`fail:cred:${publicId}`, this.perCredential.windowMs));
    await Promise.all(work);
  }
}
