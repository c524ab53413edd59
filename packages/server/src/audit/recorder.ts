import { isConnectionFailure } from '../store/errors.ts';
import type { AuditEvent, AuditStore } from '../store/types.ts';

/** The health of the audit trail, as `/health` and metrics show it. */
export interface AuditHealth {
  /** `ok`, or `degraded` while writes fail or once a row was refused or dropped. */
  readonly status: 'ok' | 'degraded';
  /** Events waiting to be written. */
  readonly pending: number;
  /** Rows the database refused (set aside, counted, logged once). */
  readonly rejectedRows: number;
  /** Events not kept because the queue was full. */
  readonly dropped: number;
}

/**
 * Collects audit events and writes them to the store in batches (default every 200 ms), so that the hot path pays
 * an array push, not a write. `close()` flushes what is left. Bounded: past `maxPending` events, new ones are counted
 * in `dropped` instead of growing memory without limit while the store is down.
 *
 * A batch the database refuses (not a connection failure: a constraint, an encoding — PostgreSQL refuses NUL in
 * text) is retried row by row: the rows it takes are written, a row it refuses is set aside and counted in
 * `rejectedRows` (logged once), and later batches are not blocked by it (issue 12).
 *
 * @example
 * ```ts
 * const audit = new AuditRecorder({ store }); audit.record({ ... }); await audit.close()
 * ```
 */
export class AuditRecorder {
  readonly #store: AuditStore;
  readonly #maxPending: number;
  readonly #successes: 'each' | 'per-second';
  #pending: AuditEvent[] = [];
  /** Successes of the current flush window, one row per (second, mechanism, credential, address) with a count. */
  #aggregated = new Map<string, { -readonly [K in keyof AuditEvent]: AuditEvent[K] } & { count: number }>();
  #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();
  /** Events that could not be kept because the queue was full. */
  dropped = 0;
  /** Set while the last flush failed (the events stay queued for the next one). */
  lastError: Error | undefined;
  /** Rows the database refused, set aside. */
  rejectedRows = 0;
  readonly #log: (entry: Record<string, unknown>) => void;

  constructor(options: {
    store: AuditStore;
    flushIntervalMs?: number;
    maxPending?: number;
    /**
     * `per-second` (default): successes are counted per second, mechanism, credential and address — one row with a
     * `count`, so a busy API does not write one row per request; failures are always one row each.
     * `each`: one row per success too.
     */
    successes?: 'each' | 'per-second';
    /** Where a refused row is reported (once; codes only, never the row's content). */
    log?: (entry: Record<string, unknown>) => void;
  }) {
    this.#store = options.store;
    this.#log = options.log ?? (() => {});
    this.#successes = options.successes ?? 'per-second';
    this.#maxPending = options.maxPending ?? 100_000;
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 200);
    this.#timer.unref();
  }

  /** Queues one event. */
  record(event: AuditEvent): void {
    if (event.outcome === 'success' && this.#successes === 'per-second') {
      const key = `${Math.floor(event.at / 1000)}|${event.mechanism}|${event.credentialId}|${event.address}`;
      const existing = this.#aggregated.get(key);
      if (existing) {
        existing.count++;
        return;
      }
      if (this.#aggregated.size >= this.#maxPending) {
        this.dropped++;
        return;
      }
      this.#aggregated.set(key, { ...event, count: 1 });
      return;
    }
    if (this.#pending.length >= this.#maxPending) {
      this.dropped++;
      return;
    }
    this.#pending.push(event);
  }

  /** Writes the queued events now. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#aggregated.size > 0) {
        this.#pending.push(...this.#aggregated.values());
        this.#aggregated = new Map();
      }
      if (this.#pending.length === 0) return;
      const batch = this.#pending;
      this.#pending = [];
      try {
        await this.#store.appendAudit(batch);
        this.lastError = undefined;
      } catch (error) {
        if (isConnectionFailure(error)) {
          this.lastError = error as Error;
          this.#pending = batch.concat(this.#pending).slice(0, this.#maxPending);
          return;
        }
        await this.#writeOneByOne(batch);
      }
    });
    return this.#flushing;
  }

  async #writeOneByOne(batch: AuditEvent[]): Promise<void> {
    for (let index = 0; index < batch.length; index++) {
      try {
        await this.#store.appendAudit([batch[index]!]);
      } catch (error) {
        if (isConnectionFailure(error)) {
          this.lastError = error as Error;
          this.#pending = batch.slice(index).concat(this.#pending).slice(0, this.#maxPending);
          return;
        }
        this.rejectedRows++;
        if (this.rejectedRows === 1) {
          this.#log({
            event: 'audit.row_rejected',
            code: String((error as { code?: unknown })?.code ?? ''),
            requestId: batch[index]!.requestId,
            note: 'the database refused an audit row; it was set aside (counted in audit.rejectedRows)',
          });
        }
      }
    }
    this.lastError = undefined;
  }

  /** The trail's health: `degraded` while writes fail, or once a row was refused or dropped. */
  get health(): AuditHealth {
    const pending = this.#pending.length + this.#aggregated.size;
    const degraded = this.lastError !== undefined || this.rejectedRows > 0 || this.dropped > 0;
    return {
      status: degraded ? 'degraded' : 'ok',
      pending,
      rejectedRows: this.rejectedRows,
      dropped: this.dropped,
    };
  }

  /** Stops the timer and flushes. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
