/** One failure counter a budget checks and counts in one step (see {@link SharedState.reserve}). */
export interface BudgetCounter {
  readonly key: string;
  /** The counter refuses once it holds this many. */
  readonly limit: number;
  /** The window, started by the first count. */
  readonly windowMs: number;
  /** While the counter `exemptWhile` exists (count > 0), this counter is neither checked nor counted. */
  readonly exemptWhile?: string;
}

/** The answer of {@link SharedState.reserve}. */
export type Reservation =
  | {
      readonly granted: true;
      /** The counters that were counted (to release on success). */
      readonly counted: readonly string[];
    }
  | {
      readonly granted: false;
      /** When the latest full counter's window ends (ms since the epoch). */
      readonly resetAt: number;
    };

/**
 * State shared by every server instance: replay records, failure budgets and change notices. Memory by default
 * (one process), Redis for several instances.
 *
 * Atomicity, which callers rely on:
 * - `consumeOnce`: among any number of concurrent callers (in any instance) with the same key inside its TTL,
 *   exactly one gets `true` (Redis: SET NX PX).
 * - `increment`: every call counts exactly once and returns the count including itself (Redis: INCR + PEXPIRE
 *   in one Lua script).
 * - `reserve`: checks every counter against its limit and counts them all, or none, in one step (Redis: one Lua
 *   script), so that of N concurrent callers at most `limit` are granted (a failure budget must bound the
 *   guesses verified, not only the guesses counted afterwards).
 */
export interface SharedState {
  /** Records `key` for `ttlMs`; true for the first caller, false while the record lives. */
  consumeOnce(key: string, ttlMs: number): Promise<boolean>;
  /** Adds one to the counter `key` (created with a `ttlMs` window); returns the count and when the window ends. */
  increment(key: string, ttlMs: number): Promise<{ count: number; resetAt: number }>;
  /**
   * {@link SharedState.increment} without a promise, for state that can answer at once (in-process memory): with
   * {@link SharedState.peekNow}, what the guards' synchronous path needs (figure in server/src/sync.ts).
   */
  incrementNow?(key: string, ttlMs: number): { count: number; resetAt: number };
  /** The counter's value now (0 when absent or expired) and when its window ends. */
  peek(key: string): Promise<{ count: number; resetAt: number }>;
  /** The same without a promise, for state that can answer at once (in-process memory). */
  peekNow?(key: string): { count: number; resetAt: number };
  /**
   * Atomically: when every (non-exempt) counter is below its limit, counts each and grants; else counts none and
   * refuses. Optional for state of your own: without it, budgets peek then count (not atomic across instances).
   */
  reserve?(counters: readonly BudgetCounter[]): Promise<Reservation>;
  /** Takes one back from each counter (never below zero): a granted attempt that succeeded. */
  release?(keys: readonly string[]): Promise<void>;
  /** Tells every instance (this one included) that a credential changed. */
  publishChange(credentialId: string): Promise<void>;
  /** Calls `listener` on every change notice; returns a function that unsubscribes. */
  onChange(listener: (credentialId: string) => void): () => void;
  close(): Promise<void>;
}
