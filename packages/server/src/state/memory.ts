import { hash } from 'node:crypto';
import { ReplayStoreFullError } from '../store/errors.ts';
import type { BudgetCounter, Reservation, SharedState } from './types.ts';

interface Counter {
  count: number;
  expiresAt: number;
}

/** Replay records expire in buckets of this many ms, so a sweep touches only what expired. */
const BUCKET_MS = 10_000;

/** Default {@link MemorySharedState} limits (docs/server.md, "Memory"). */
export const MEMORY_STATE_LIMITS = { maxReplayRecords: 1_000_000, maxCounters: 200_000 } as const;

/**
 * Shared state for one process, bounded:
 * - replay records are kept as a 22-character digest of their key and an expiry (about 100 bytes each), in
 *   expiry buckets swept every `sweepIntervalMs`; at most `maxReplayRecords` live at once — past that, a caller
 *   that needs a new record gets a {@link ReplayStoreFullError} (answered 503 with `Retry-After`), never an
 *   acceptance that forgot a record;
 * - failure counters: at most `maxCounters`, the oldest dropped first past it (a budget forgets, it never refuses).
 *
 * @example
 * ```ts
 * const state = new MemorySharedState(); await state.consumeOnce('jti:c1:abc', 60_000) // true
 * ```
 */
export class MemorySharedState implements SharedState {
  readonly #once = new Map<string, number>();
  readonly #buckets = new Map<number, string[]>();
  readonly #counters = new Map<string, Counter>();
  readonly #listeners = new Set<(credentialId: string) => void>();
  readonly #timer: NodeJS.Timeout;
  readonly #maxReplayRecords: number;
  readonly #maxCounters: number;
  readonly #now: () => number;

  constructor(
    options: {
      /** Live replay records at most (default 1,000,000: ~100 MB). */
      maxReplayRecords?: number;
      /** Failure counters at most (default 200,000). */
      maxCounters?: number;
      /** @deprecated the former single limit; sets `maxCounters`. */
      maxEntries?: number;
      sweepIntervalMs?: number;
      now?: () => number;
    } = {},
  ) {
    this.#maxReplayRecords = options.maxReplayRecords ?? MEMORY_STATE_LIMITS.maxReplayRecords;
    this.#maxCounters = options.maxCounters ?? options.maxEntries ?? MEMORY_STATE_LIMITS.maxCounters;
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.#sweep(), options.sweepIntervalMs ?? BUCKET_MS);
    this.#timer.unref();
  }

  #sweep(): void {
    const now = this.#now();
    for (const [bucket, keys] of this.#buckets) {
      if (bucket * BUCKET_MS > now) continue;
      for (const key of keys) {
        const expiresAt = this.#once.get(key);
        if (expiresAt !== undefined && expiresAt <= now) this.#once.delete(key);
      }
      this.#buckets.delete(bucket);
    }
    for (const [key, counter] of this.#counters) if (counter.expiresAt <= now) this.#counters.delete(key);
  }

  async consumeOnce(key: string, ttlMs: number): Promise<boolean> {
    // A digest of the key (128 bits) instead of the key: replay keys are long (jti, signatures) and many. The one-shot
    // hash, with no Hash object (~1.9× createHash for short inputs on Node 24).
    const digest = hash('sha256', key, 'base64url').slice(0, 22);
    const now = this.#now();
    const expiresAt = this.#once.get(digest);
    if (expiresAt !== undefined && expiresAt > now) return false;
    if (expiresAt === undefined && this.#once.size >= this.#maxReplayRecords) {
      this.#sweep();
      if (this.#once.size >= this.#maxReplayRecords) {
        throw new ReplayStoreFullError(
          `the in-process replay store holds ${this.#maxReplayRecords} live records (maxReplayRecords)`,
        );
      }
    }
    const until = now + ttlMs;
    this.#once.set(digest, until);
    const bucket = Math.ceil(until / BUCKET_MS);
    const keys = this.#buckets.get(bucket);
    if (keys) keys.push(digest);
    else this.#buckets.set(bucket, [digest]);
    return true;
  }

  #live(key: string, now = this.#now()): Counter | undefined {
    const counter = this.#counters.get(key);
    if (counter && counter.expiresAt <= now) {
      this.#counters.delete(key);
      return undefined;
    }
    return counter;
  }

  #create(key: string, ttlMs: number): Counter {
    if (this.#counters.size >= this.#maxCounters) {
      this.#sweep();
      // Oldest first (a Map keeps insertion order): a budget that forgets is better than memory without bound.
      // Failure counters go before `trust:` marks, which only successes create: flooding the table with failures
      // must not make an owner's address a stranger again.
      for (const pass of [false, true]) {
        for (const [name] of this.#counters) {
          if (this.#counters.size < this.#maxCounters) return this.#add(key, ttlMs);
          if (pass || !name.startsWith('trust:')) this.#counters.delete(name);
        }
      }
    }
    return this.#add(key, ttlMs);
  }

  #add(key: string, ttlMs: number): Counter {
    const counter = { count: 0, expiresAt: this.#now() + ttlMs };
    this.#counters.set(key, counter);
    return counter;
  }

  async increment(key: string, ttlMs: number): Promise<{ count: number; resetAt: number }> {
    return this.incrementNow(key, ttlMs);
  }

  /** The increment without a promise, for the hot path of a single-process server. */
  incrementNow(key: string, ttlMs: number): { count: number; resetAt: number } {
    const counter = this.#live(key) ?? this.#create(key, ttlMs);
    counter.count++;
    return { count: counter.count, resetAt: counter.expiresAt };
  }

  async peek(key: string): Promise<{ count: number; resetAt: number }> {
    return this.peekNow(key);
  }

  /** The peek without a promise, for the hot path of a single-process server. */
  peekNow(key: string): { count: number; resetAt: number } {
    const counter = this.#live(key);
    return counter ? { count: counter.count, resetAt: counter.expiresAt } : { count: 0, resetAt: 0 };
  }

  /** Check-and-count; atomic by construction (one synchronous step in one process, before the promise settles). */
  async reserve(counters: readonly BudgetCounter[]): Promise<Reservation> {
    const now = this.#now();
    let resetAt = 0;
    const active: BudgetCounter[] = [];
    for (const counter of counters) {
      if (counter.exemptWhile !== undefined && this.#live(counter.exemptWhile, now)) continue;
      active.push(counter);
      const live = this.#live(counter.key, now);
      if (live && live.count >= counter.limit) resetAt = Math.max(resetAt, live.expiresAt);
    }
    if (resetAt > 0) return { granted: false, resetAt };
    const counted: string[] = [];
    for (const counter of active) {
      (this.#live(counter.key, now) ?? this.#create(counter.key, counter.windowMs)).count++;
      counted.push(counter.key);
    }
    return { granted: true, counted };
  }

  /** Takes one back from each counter, synchronously (the promise only reports it). */
  async release(keys: readonly string[]): Promise<void> {
    const now = this.#now();
    for (const key of keys) {
      const counter = this.#live(key, now);
      if (counter && counter.count > 0) counter.count--;
    }
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
    this.#once.clear();
    this.#buckets.clear();
    this.#counters.clear();
    this.#listeners.clear();
  }

  /** How many entries are held: replay records and counters (for tests and memory checks). */
  get size(): number {
    return this.#once.size + this.#counters.size;
  }

  /** How many replay records are held. */
  get replayRecords(): number {
    return this.#once.size;
  }
}
