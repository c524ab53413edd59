import type { SharedState } from './types.ts';

interface Entry {
  count: number;
  expiresAt: number;
}

/**
 * Shared state for one process. Bounded: expired entries are swept every `sweepIntervalMs`, and past `maxEntries`
 * the oldest entries are dropped first (counters only; a replay record is never dropped before its TTL — a full
 * table refuses new replay records' callers with an error instead of silently forgetting).
 *
 * @example
 * ```ts
 * const state = new MemorySharedState(); await state.consumeOnce('jti:c1:abc', 60_000) // true
 * ```
 */
export class MemorySharedState implements SharedState {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<(credentialId: string) => void>();
  readonly #timer: NodeJS.Timeout;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { maxEntries?: number; sweepIntervalMs?: number; now?: () => number } = {}) {
    this.#maxEntries = options.maxEntries ?? 1_000_000;
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.#sweep(), options.sweepIntervalMs ?? 10_000);
    this.#timer.unref();
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #makeRoom(): void {
    if (this.#entries.size < this.#maxEntries) return;
    this.#sweep();
    if (this.#entries.size < this.#maxEntries) return;
    for (const [key] of this.#entries) {
      if (!key.startsWith('once:')) {
        this.#entries.delete(key);
        if (this.#entries.size < this.#maxEntries) return;
      }
    }
    throw new Error('shared state is full of live replay records');
  }

  async consumeOnce(key: string, ttlMs: number): Promise<boolean> {
    const name = `once:${key}`;
    if (this.#live(name)) return false;
    this.#makeRoom();
    this.#entries.set(name, { count: 1, expiresAt: this.#now() + ttlMs });
    return true;
  }

  async increment(key: string, ttlMs: number): Promise<{ count: number; resetAt: number }> {
    const name = `count:${key}`;
    let entry = this.#live(name);
    if (!entry) {
      this.#makeRoom();
      entry = { count: 0, expiresAt: this.#now() + ttlMs };
      this.#entries.set(name, entry);
    }
    entry.count++;
    return { count: entry.count, resetAt: entry.expiresAt };
  }

  async peek(key: string): Promise<{ count: number; resetAt: number }> {
    return this.peekNow(key);
  }

  /** The peek without a promise, for the hot path of a single-process server. */
  peekNow(key: string): { count: number; resetAt: number } {
    const entry = this.#live(`count:${key}`);
    return entry ? { count: entry.count, resetAt: entry.expiresAt } : { count: 0, resetAt: 0 };
  }

  async publishChange(credentialId: string): Promise<void> {
    for (const listener of this.#listeners) listener(credentialId);
  }

  onChange(listener: (credentialId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#entries.clear();
    this.#listeners.clear();
  }

  /** How many entries are held (for tests and memory checks). */
  get size(): number {
    return this.#entries.size;
  }
}
