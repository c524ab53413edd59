import pg from 'pg';
import { StoreUnavailableError } from '../store/errors.ts';
import { POSTGRES_CHANGE_CHANNEL, type PostgresPool } from '../store/postgres.ts';
import type { BudgetCounter, Reservation, SharedState } from './types.ts';

/** The database's clock in ms: every instance judges expiry by the same clock. */
const NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/**
 * The tables and functions of the state, created (or replaced) when the state opens, under an advisory lock so that
 * instances starting together do not race each other. `fillfactor` leaves room in each page so that a counter's
 * update that keeps its expiry stays a HOT update (no index write).
 */
const SETUP = [
  `CREATE TABLE IF NOT EXISTS payauth_state_once (
     key text PRIMARY KEY,
     expires_at bigint NOT NULL
   ) WITH (fillfactor = 80)`,
  'CREATE INDEX IF NOT EXISTS payauth_state_once_expiry ON payauth_state_once (expires_at)',
  `CREATE TABLE IF NOT EXISTS payauth_state_counters (
     key text PRIMARY KEY,
     count integer NOT NULL,
     expires_at bigint NOT NULL
   ) WITH (fillfactor = 70)`,
  'CREATE INDEX IF NOT EXISTS payauth_state_counters_expiry ON payauth_state_counters (expires_at)',
  // reserve: the Redis state's Lua script as one function call, for several reservations and releases at once.
  // `owners[i]` says which reservation counter i belongs to (1…m); `releases` are counters to take one back from (as
  // often as each is named, never below zero): the successes of earlier requests. Every counter named is locked first,
  // in key order, so concurrent calls on overlapping counters queue instead of deadlocking; the releases are applied,
  // then the reservations are decided one after the other, as if they had come one by one: each checks its counters
  // and counts them all, or none. Answers, reservation after reservation, {1, n, i…} (the n indexes counted) or
  // {0, ms to the reset}; or {-1}, having changed nothing, when a counter to reserve has no row yet: the caller creates
  // the rows in a statement of its own, holding no other lock, and calls again (creating them here, between locks,
  // would let two calls wait on each other).
  `CREATE OR REPLACE FUNCTION payauth_state_reserve(
     keys text[], limits integer[], windows bigint[], exempts text[], owners integer[], releases text[]
   ) RETURNS bigint[] LANGUAGE plpgsql AS $$
   DECLARE
     now_ms bigint := ${NOW_MS};
     exempted text[];
     active_keys text[];
     found integer;
     owner integer;
     counted integer[];
     reset_in bigint;
     answer bigint[] := '{}';
   BEGIN
     SELECT coalesce(array_agg(c.key), '{}') INTO exempted FROM payauth_state_counters c
       WHERE c.key = ANY (exempts) AND c.expires_at > now_ms AND c.count > 0;
     SELECT coalesce(array_agg(DISTINCT keys[i]), '{}') INTO active_keys
       FROM generate_subscripts(keys, 1) AS i WHERE exempts[i] IS NULL OR NOT (exempts[i] = ANY (exempted));
     SELECT count(*) FILTER (WHERE held.key = ANY (active_keys)) INTO found FROM (
       SELECT c.key FROM payauth_state_counters c
       WHERE c.key = ANY (active_keys) OR c.key = ANY (releases) ORDER BY c.key FOR UPDATE
     ) AS held;
     IF found < cardinality(active_keys) THEN RETURN ARRAY[-1]::bigint[]; END IF;
     UPDATE payauth_state_counters c SET count = greatest(0, c.count - r.n)
       FROM (SELECT k, count(*)::integer AS n FROM unnest(releases) AS k GROUP BY k) AS r WHERE c.key = r.k;
     FOR owner IN 1 .. coalesce((SELECT max(o) FROM unnest(owners) AS o), 0) LOOP
       SELECT coalesce(array_agg(i ORDER BY i), '{}') INTO counted FROM generate_subscripts(keys, 1) AS i
         WHERE owners[i] = owner AND (exempts[i] IS NULL OR NOT (exempts[i] = ANY (exempted)));
       SELECT max(c.expires_at - now_ms) INTO reset_in FROM payauth_state_counters c
         JOIN unnest(counted) AS i ON c.key = keys[i]
         WHERE c.expires_at > now_ms AND c.count >= limits[i];
       IF reset_in IS NOT NULL THEN
         answer := answer || ARRAY[0, reset_in];
       ELSE
         UPDATE payauth_state_counters c SET
           count = CASE WHEN c.expires_at > now_ms THEN c.count + 1 ELSE 1 END,
           expires_at = CASE WHEN c.expires_at > now_ms THEN c.expires_at ELSE now_ms + windows[i] END
           FROM unnest(counted) AS i WHERE c.key = keys[i];
         answer := answer || ARRAY[1, cardinality(counted)]::bigint[] || counted::bigint[];
       END IF;
     END LOOP;
     RETURN answer;
   END $$`,
];

/** Expired rows deleted per statement by the sweep (an index range on `expires_at`, never a table scan). */
const SWEEP_BATCH = 5000;

/** Requests in one coalesced call at most (bounds its parameters and the time its locks are held). */
const BATCH_LIMIT = 64;

/**
 * Calls issued while `limit` calls are already on the wire wait, and go together as the next call (at most
 * {@link BATCH_LIMIT} of them): alone when the state is idle, batched under load. Each caller gets its own answer,
 * or the call's error.
 */
class Coalescer<Input, Output> {
  readonly #queue: Array<{
    input: Input;
    resolve: (output: Output) => void;
    reject: (error: unknown) => void;
  }> = [];
  #inFlight = 0;

  readonly #run: (inputs: Input[]) => Promise<Output[]>;
  readonly #limit: number;

  constructor(run: (inputs: Input[]) => Promise<Output[]>, limit: number) {
    this.#run = run;
    this.#limit = limit;
  }

  submit(input: Input): Promise<Output> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      if (this.#inFlight < this.#limit) void this.#send();
    });
  }

  async #send(): Promise<void> {
    const batch = this.#queue.splice(0, BATCH_LIMIT);
    if (batch.length === 0) return;
    this.#inFlight++;
    try {
      const outputs = await this.#run(batch.map((waiting) => waiting.input));
      for (const [index, waiting] of batch.entries()) waiting.resolve(outputs[index]!);
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      this.#inFlight--;
      if (this.#queue.length > 0) void this.#send();
    }
  }
}

/** What waits for the next budget call: a reservation, or the counters of a success to take back. */
type BudgetOperation =
  | { readonly counters: readonly BudgetCounter[] }
  | { readonly released: readonly string[] };

/** Options of {@link PostgresSharedState}. */
export interface PostgresSharedStateOptions {
  /** Prefix of every key (several deployments in one database; default none). */
  readonly prefix?: string;
  /** How often expired rows are deleted (default 30 s; 0: never, e.g. when a job of yours does it). */
  readonly sweepIntervalMs?: number;
  /** The instance's clock, for the `resetAt` it reports (expiry itself is judged by the database's clock). */
  readonly now?: () => number;
  /** The `postgres://` URL of the LISTEN connection (change notices) when a pool is given instead of a URL. */
  readonly listenUrl?: string;
}

/** The pool the state opens for a URL: small, failing fast while PostgreSQL is down (503s instead of waiting). */
function createPool(url: string): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 2000,
    query_timeout: 2000,
    // A replay record or a count is visible to every instance once its statement returns, whether or not the WAL
    // reached the disk: only a crash of PostgreSQL itself can lose the last few hundred ms of them (as Redis's
    // default persistence can). The commit does not wait for an fsync (docs/deployment.md, "Sizing").
    options: '-c synchronous_commit=off',
  });
}

/**
 * Shared state on PostgreSQL, for several instances without Redis (SPEC.md, "Run as a service"), with the Redis
 * state's atomicity, each operation one statement:
 * - `consumeOnce`: `INSERT … ON CONFLICT (key) DO UPDATE … WHERE expired RETURNING` — of any number of concurrent
 *   callers, in any instance, exactly one gets a row back while the record lives;
 * - `increment`: one upsert that counts and (re)starts the window;
 * - `reserve`/`release`: one call each of a PL/pgSQL function that locks the counters in key order, checks them all,
 *   and counts them all or none (the Redis state's Lua script);
 * - `publishChange`/`onChange`: NOTIFY/LISTEN on the store's change channel, on a connection of its own that
 *   reconnects by itself.
 *
 * Expired rows are taken over by the next write of their key and deleted every `sweepIntervalMs` in batches found
 * through an index on their expiry. Expiry is judged by the database's clock, so instances agree on it.
 *
 * @example
 * ```ts
 * const state = await PostgresSharedState.open('postgres://payauth@db/payauth')
 * ```
 */
export class PostgresSharedState implements SharedState {
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #listenUrl: string | undefined;
  readonly #listeners = new Set<(credentialId: string) => void>();
  readonly #sweeper: NodeJS.Timeout | undefined;
  /**
   * Reservations and releases issued while earlier ones are on the wire go together as the next call: under load
   * one statement serves many requests (as ioredis's auto-pipelining does for the Redis state). Figures:
   * bench/README.md, "PostgreSQL shared state against Redis".
   */
  readonly #budget = new Coalescer<BudgetOperation, Reservation | undefined>(
    (batch) => this.#settle(batch),
    2,
  );
  #listener: pg.Client | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #closed = false;

  /**
   * Prefer {@link PostgresSharedState.open}, which also creates the tables.
   *
   * @param connection - a `postgres://` URL, or a `pg.Pool` you manage (then `listenUrl` for change notices)
   */
  constructor(connection: string | PostgresPool, options: PostgresSharedStateOptions = {}) {
    this.#ownsPool = typeof connection === 'string';
    this.#pool = typeof connection === 'string' ? createPool(connection) : (connection as unknown as pg.Pool);
    this.#pool.on('error', () => {});
    this.#listenUrl = typeof connection === 'string' ? connection : options.listenUrl;
    this.#prefix = options.prefix ?? '';
    this.#now = options.now ?? Date.now;
    const every = options.sweepIntervalMs ?? 30_000;
    if (every > 0) {
      this.#sweeper = setInterval(() => void this.sweep().catch(() => {}), every);
      this.#sweeper.unref();
    }
  }

  /**
   * Opens the state and creates its tables and functions (idempotent; instances starting together wait for each
   * other on an advisory lock).
   */
  static async open(
    connection: string | PostgresPool,
    options: PostgresSharedStateOptions = {},
  ): Promise<PostgresSharedState> {
    const state = new PostgresSharedState(connection, options);
    try {
      await state.setup();
    } catch (error) {
      await state.close();
      throw error;
    }
    return state;
  }

  /** Creates (or updates) the tables and functions. */
  async setup(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('payauth-state-setup'))");
      for (const statement of SETUP) await client.query(statement);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Runs one statement. A `name` makes it a prepared statement on each connection (parsed and planned once, then
   * only bound and run), for the statements of every request.
   */
  async #query(text: string, values: unknown[], name?: string): Promise<pg.QueryResult> {
    try {
      return await this.#pool.query(name === undefined ? { text, values } : { name, text, values });
    } catch (error) {
      // Every failure of the state is "try again later": it holds no request's data that could be malformed.
      throw new StoreUnavailableError('the PostgreSQL shared state is unreachable', { cause: error });
    }
  }

  async consumeOnce(key: string, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.#query(
      `INSERT INTO payauth_state_once AS o (key, expires_at) VALUES ($1, ${NOW_MS} + $2)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE o.expires_at <= ${NOW_MS}
       RETURNING 1`,
      [this.#prefix + key, Math.max(1, Math.ceil(ttlMs))],
      'payauth_state_once',
    );
    return rowCount === 1;
  }

  async increment(key: string, ttlMs: number): Promise<{ count: number; resetAt: number }> {
    const { rows } = await this.#query(
      `WITH t AS (SELECT ${NOW_MS} AS now_ms)
       INSERT INTO payauth_state_counters AS c (key, count, expires_at)
         SELECT $1, 1, now_ms + $2 FROM t
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN c.expires_at > (SELECT now_ms FROM t) THEN c.count + 1 ELSE 1 END,
         expires_at = CASE WHEN c.expires_at > (SELECT now_ms FROM t) THEN c.expires_at ELSE excluded.expires_at END
       RETURNING count, expires_at - (SELECT now_ms FROM t) AS ttl`,
      [this.#prefix + key, Math.max(1, Math.ceil(ttlMs))],
      'payauth_state_increment',
    );
    const row = rows[0] as { count: number; ttl: string };
    return { count: row.count, resetAt: this.#now() + Math.max(0, Number(row.ttl)) };
  }

  async peek(key: string): Promise<{ count: number; resetAt: number }> {
    const { rows } = await this.#query(
      `SELECT count, expires_at - ${NOW_MS} AS ttl FROM payauth_state_counters
       WHERE key = $1 AND expires_at > ${NOW_MS}`,
      [this.#prefix + key],
      'payauth_state_peek',
    );
    const row = rows[0] as { count: number; ttl: string } | undefined;
    if (row === undefined || row.count === 0) return { count: 0, resetAt: 0 };
    return { count: row.count, resetAt: this.#now() + Math.max(0, Number(row.ttl)) };
  }

  reserve(counters: readonly BudgetCounter[]): Promise<Reservation> {
    return this.#budget.submit({ counters }) as Promise<Reservation>;
  }

  async release(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.#budget.submit({ released: keys });
  }

  /**
   * One call for the reservations and releases that waited while earlier calls were on the wire (see
   * {@link Coalescer}): the releases are applied first, so a success's count is never still held against the
   * reservations that follow it.
   */
  async #settle(batch: readonly BudgetOperation[], attempt = 1): Promise<Array<Reservation | undefined>> {
    const reservations = batch.flatMap((operation) => ('counters' in operation ? [operation.counters] : []));
    const all = reservations.flat();
    const released = batch.flatMap((operation) => ('released' in operation ? operation.released : []));
    const { rows } = await this.#query(
      'SELECT payauth_state_reserve($1, $2, $3, $4, $5, $6) AS answer',
      [
        all.map((c) => this.#prefix + c.key),
        all.map((c) => c.limit),
        all.map((c) => Math.max(1, Math.ceil(c.windowMs))),
        all.map((c) => (c.exemptWhile === undefined ? null : this.#prefix + c.exemptWhile)),
        reservations.flatMap((counters, owner) => counters.map(() => owner + 1)),
        released.map((key) => this.#prefix + key),
      ],
      'payauth_state_reserve',
    );
    // pg returns bigint[] as strings.
    const answer = (rows[0] as { answer: string[] }).answer.map(Number);
    if (answer[0] === -1) {
      if (attempt >= 3)
        throw new StoreUnavailableError('the PostgreSQL shared state keeps losing its counters');
      // Created expired (0): the reservation that takes the row starts its window. A row created "now" would look
      // live, with its window ending at once, to a reservation whose clock was read before it: one that counts into
      // it and one that restarts it would both be granted.
      await this.#query(
        `INSERT INTO payauth_state_counters (key, count, expires_at)
         SELECT k, 0, 0 FROM unnest($1::text[]) AS k ORDER BY k ON CONFLICT (key) DO NOTHING`,
        [all.map((c) => this.#prefix + c.key)],
        'payauth_state_create',
      );
      return this.#settle(batch, attempt + 1);
    }
    const now = this.#now();
    let at = 0;
    return batch.map((operation): Reservation | undefined => {
      if (!('counters' in operation)) return undefined;
      if (answer[at] !== 1) {
        const refused = { granted: false as const, resetAt: now + Math.max(0, answer[at + 1] ?? 0) };
        at += 2;
        return refused;
      }
      const count = answer[at + 1]!;
      const counted = answer.slice(at + 2, at + 2 + count).map((index) => all[index - 1]!.key);
      at += 2 + count;
      return { granted: true, counted };
    });
  }

  /**
   * Deletes expired replay records and counters, at most {@link SWEEP_BATCH} rows per statement, found through the
   * expiry index; rows a reservation holds are skipped (`SKIP LOCKED`: the sweep never waits, so it never takes part
   * in a deadlock). Runs every `sweepIntervalMs`; returns how many rows went.
   */
  async sweep(): Promise<number> {
    let deleted = 0;
    for (const table of ['payauth_state_once', 'payauth_state_counters']) {
      for (let round = 0; round < 20; round++) {
        const { rowCount } = await this.#query(
          `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(
             SELECT ctid FROM ${table} WHERE expires_at < ${NOW_MS} - 1000 ORDER BY expires_at LIMIT ${SWEEP_BATCH}
             FOR UPDATE SKIP LOCKED
           ))`,
          [],
        );
        deleted += rowCount ?? 0;
        if ((rowCount ?? 0) < SWEEP_BATCH) break;
      }
    }
    return deleted;
  }

  async publishChange(credentialId: string): Promise<void> {
    await this.#query('SELECT pg_notify($1, $2)', [POSTGRES_CHANGE_CHANNEL, credentialId]);
  }

  onChange(listener: (credentialId: string) => void): () => void {
    this.#listeners.add(listener);
    if (this.#listener === undefined && this.#reconnect === undefined) void this.#listen();
    return () => this.#listeners.delete(listener);
  }

  /** LISTEN on a connection of its own; after it drops, again a second later (polling covers the gap). */
  async #listen(): Promise<void> {
    this.#reconnect = undefined;
    if (this.#closed || this.#listenUrl === undefined) return;
    const client = new pg.Client({ connectionString: this.#listenUrl, connectionTimeoutMillis: 2000 });
    const retry = () => {
      if (this.#listener === client) this.#listener = undefined;
      if (this.#closed || this.#reconnect !== undefined) return;
      this.#reconnect = setTimeout(() => void this.#listen(), 1000);
      this.#reconnect.unref();
    };
    client.on('error', () => {
      void client.end().catch(() => {});
      retry();
    });
    client.on('end', retry);
    client.on('notification', (message) => {
      for (const each of this.#listeners) each(message.payload ?? '');
    });
    this.#listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${POSTGRES_CHANGE_CHANNEL}`);
      if (this.#closed) await client.end();
    } catch {
      void client.end().catch(() => {});
      retry();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    clearInterval(this.#sweeper);
    clearTimeout(this.#reconnect);
    await this.#listener?.end().catch(() => {});
    if (this.#ownsPool) await this.#pool.end().catch(() => {});
  }
}
