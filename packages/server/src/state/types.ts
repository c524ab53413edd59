/**
 * State shared by every server instance: replay records, failure budgets and change notices. Memory by default
 * (one process), Redis for several instances.
 *
 * Atomicity, which callers rely on:
 * - `consumeOnce`: among any number of concurrent callers (in any instance) with the same key inside its TTL,
 *   exactly one gets `true` (Redis: SET NX PX).
 * - `increment`: every call counts exactly once and returns the count including itself (Redis: INCR + PEXPIRE
 *   in one Lua script).
 */
export interface SharedState {
  /** Records `key` for `ttlMs`; true for the first caller, false while the record lives. */
  consumeOnce(key: string, ttlMs: number): Promise<boolean>;
  /** Adds one to the counter `key` (created with a `ttlMs` window); returns the count and when the window ends. */
  increment(key: string, ttlMs: number): Promise<{ count: number; resetAt: number }>;
  /** The counter's value now (0 when absent or expired) and when its window ends. */
  peek(key: string): Promise<{ count: number; resetAt: number }>;
  /** The same without a promise, for state that can answer at once (in-process memory). */
  peekNow?(key: string): { count: number; resetAt: number };
  /** Tells every instance (this one included) that a credential changed. */
  publishChange(credentialId: string): Promise<void>;
  /** Calls `listener` on every change notice; returns a function that unsubscribes. */
  onChange(listener: (credentialId: string) => void): () => void;
  close(): Promise<void>;
}
