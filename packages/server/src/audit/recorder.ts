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

/** A success row being counted. */
type CountedRow = { -readonly [K in keyof AuditEvent]: AuditEvent[K] } & { count: number };

/**
 * Collects audit events and writes them to the store in batches (default every 200 ms), so that the hot path pays
 * an array push, not a write. `close()` flushes what is left. Bounded: past `maxPending` events, new ones are counted
 * in `dropped` instead of growing memory without limit while the store is down.
 *
 * A batch the database refuses (not a connection failure: a constraint, an encoding — PostgreSQL refuses NUL in
 * text) is retried row by row: the rows it takes are written, a row it refuses is set aside and counted in
 * `rejectedRows` (logged once), and later batches are not blocked by it (docs/server.md, "Audit trail").
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
  #aggregated: CountedRow[] = [];
  /**
   * The same rows found by credential, address and mechanism, for the current second only: a success finds its row
   * with three lookups of strings it already has, building neither a key nor an event.
   */
  #index = new Map<string | undefined, Map<string, Map<string, CountedRow>>>();
  #indexSecond = -1;
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
      this.#countSuccess(event.at, event.mechanism, event.credentialId, event.address, event.publicId, event);
      return;
    }
    if (this.#pending.length >= this.#maxPending) {
      this.dropped++;
      return;
    }
    this.#pending.push(event);
  }

  /**
   * Queues one success, as {@link AuditRecorder.record} with outcome `success` and reason `OK` would; in
   * `per-second` mode the request id is read only when the success opens a new row (a guard's request draws one
   * lazily).
   */
  recordSuccess(
    at: number,
    mechanism: AuditEvent['mechanism'],
    credentialId: string,
    address: string,
    publicId: string,
    request: { readonly requestId: string },
  ): void {
    if (this.#successes === 'per-second') {
      this.#countSuccess(at, mechanism, credentialId, address, publicId, request);
      return;
    }
    this.record({
      at,
      mechanism,
      publicId: publicId.slice(0, 64),
      credentialId,
      outcome: 'success',
      reason: 'OK',
      address,
      requestId: request.requestId,
    });
  }

  #countSuccess(
    at: number,
    mechanism: AuditEvent['mechanism'],
    credentialId: string | undefined,
    address: string,
    publicId: string | undefined,
    request: { readonly requestId: string },
  ): void {
    const second = Math.floor(at / 1000);
    if (second !== this.#indexSecond) {
      this.#index.clear();
      this.#indexSecond = second;
    }
    let byAddress = this.#index.get(credentialId);
    if (byAddress === undefined) {
      byAddress = new Map();
      this.#index.set(credentialId, byAddress);
    }
    let byMechanism = byAddress.get(address);
    if (byMechanism === undefined) {
      byMechanism = new Map();
      byAddress.set(address, byMechanism);
    }
    const existing = byMechanism.get(mechanism);
    if (existing) {
      existing.count++;
      return;
    }
    if (this.#aggregated.length >= this.#maxPending) {
      this.dropped++;
      return;
    }
    const row: CountedRow = {
      at,
      mechanism,
      ...(publicId === undefined ? {} : { publicId: publicId.slice(0, 64) }),
      ...(credentialId === undefined ? {} : { credentialId }),
      outcome: 'success',
      reason: 'OK',
      address,
      requestId: request.requestId,
      count: 1,
    };
    this.#aggregated.push(row);
    byMechanism.set(mechanism, row);
  }

  /** Writes the queued events now. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#aggregated.length > 0) {
        this.#pending.push(...this.#aggregated);
        this.#aggregated = [];
        this.#index.clear();
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
    const pending = this.#pending.length + this.#aggregated.length;
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
