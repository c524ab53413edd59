import type { AuditEvent, CredentialStore } from '../store/types.ts';

/**
 * Collects audit events and writes them to the store in batches (default every 200 ms), so that the hot path pays
 * an array push, not a write. `close()` flushes what is left. Bounded: past `maxPending` events, new ones are counted
 * in `dropped` instead of growing memory without limit while the store is down.
 *
 * @example
 * ```ts
 * const audit = new AuditRecorder({ store }); audit.record({ ... }); await audit.close()
 * ```
 */
export class AuditRecorder {
  readonly #store: CredentialStore;
  readonly #maxPending: number;
  #pending: AuditEvent[] = [];
  #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();
  /** Events that could not be kept because the queue was full. */
  dropped = 0;
  /** Set while the last flush failed (the events stay queued for the next one). */
  lastError: Error | undefined;

  constructor(options: { store: CredentialStore; flushIntervalMs?: number; maxPending?: number }) {
    this.#store = options.store;
    this.#maxPending = options.maxPending ?? 100_000;
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 200);
    this.#timer.unref();
  }

  /** Queues one event. */
  record(event: AuditEvent): void {
    if (this.#pending.length >= this.#maxPending) {
      this.dropped++;
      return;
    }
    this.#pending.push(event);
  }

  /** Writes the queued events now. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending.length === 0) return;
      const batch = this.#pending;
      this.#pending = [];
      try {
        await this.#store.appendAudit(batch);
        this.lastError = undefined;
      } catch (error) {
        this.lastError = error as Error;
        this.#pending = batch.concat(this.#pending).slice(0, this.#maxPending);
      }
    });
    return this.#flushing;
  }

  /** Stops the timer and flushes. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
