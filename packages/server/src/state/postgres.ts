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
  // reserve: the Redis state's Lua script as one function call. Rows are locked in key order (a missing one is
  // inserted, then locked), so concurrent reservations on overlapping counters queue instead of deadlocking, and of
  // any number of callers at most `limit` are granted. Answers {1, i…} (the indexes counted) or {0, ms to reset}.
  `CREATE OR REPLACE FUNCTION payauth_state_reserve(keys text[], limits integer[], windows bigint[], exempts text[])
   RETURNS bigint[] LANGUAGE plpgsql AS $$
   DECLARE
     now_ms bigint := ${NOW_MS};
     exempted text[];
     active integer[];
     active_keys text[];
     found integer;
     reset_in bigint;
     item record;
   BEGIN
     SELECT coalesce(array_agg(c.key), '{}') INTO exempted FROM payauth_state_counters c
       WHERE c.key = ANY (exempts) AND c.expires_at > now_ms AND c.count > 0;
     SELECT coalesce(array_agg(i ORDER BY i), '{}'), coalesce(array_agg(keys[i] ORDER BY i), '{}')
       INTO active, active_keys
       FROM generate_subscripts(keys, 1) AS i WHERE exempts[i] IS NULL OR NOT (exempts[i] = ANY (exempted));
     LOOP
       found := 0;
       reset_in := 0;
       FOR item IN SELECT c.key, c.count, c.expires_at FROM payauth_state_counters c
                   WHERE c.key = ANY (active_keys) ORDER BY c.key FOR UPDATE LOOP
         found := found + 1;
         IF item.expires_at > now_ms AND item.count >= limits[array_position(keys, item.key)] THEN
           reset_in := greatest(reset_in, item.expires_at - now_ms);
         END IF;
       END LOOP;
       EXIT WHEN found >= cardinality(active_keys);
       INSERT INTO payauth_state_counters (key, count, expires_at)
         SELECT k, 0, now_ms FROM unnest(active_keys) AS k ORDER BY k
         ON CONFLICT (key) DO NOTHING;
     END LOOP;
     IF reset_in > 0 THEN RETURN ARRAY[0, reset_in]; END IF;
     UPDATE payauth_state_counters c SET
       count = CASE WHEN c.expires_at > now_ms THEN c.count + 1 ELSE 1 END,
       expires_at = CASE WHEN c.expires_at > now_ms THEN c.expires_at
                         ELSE now_ms + windows[array_position(keys, c.key)] END
       WHERE c.key = ANY (active_keys);
     RETURN ARRAY[1]::bigint[] || active::bigint[];
   END $$`,
  // release: one back from each counter (as often as it is named), never below zero, rows locked in key order.
  `CREATE OR REPLACE FUNCTION payauth_state_release(keys text[])
   RETURNS void LANGUAGE plpgsql AS $$
   DECLARE
     item record;
   BEGIN
     FOR item IN SELECT k, count(*)::integer AS n FROM unnest(keys) AS k GROUP BY k ORDER BY k LOOP
       UPDATE payauth_state_counters c SET count = greatest(0, c.count - item.n) WHERE c.key = item.k;
     END LOOP;
   END $$`,
];

/** Expired rows deleted per statement by the sweep (an index range on `expires_at`, never a table scan). */
const SWEEP_BATCH = 5000;

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

  async reserve(counters: readonly BudgetCounter[]): Promise<Reservation> {
    const { rows } = await this.#query(
      'SELECT payauth_state_reserve($1, $2, $3, $4) AS answer',
      [
        counters.map((c) => this.#prefix + c.key),
        counters.map((c) => c.limit),
        counters.map((c) => Math.max(1, Math.ceil(c.windowMs))),
        counters.map((c) => (c.exemptWhile === undefined ? null : this.#prefix + c.exemptWhile)),
      ],
      'payauth_state_reserve',
    );
    // pg returns bigint[] as strings.
    const answer = (rows[0] as { answer: string[] }).answer.map(Number);
    if (answer[0] !== 1) return { granted: false, resetAt: this.#now() + Math.max(0, answer[1] ?? 0) };
    return { granted: true, counted: answer.slice(1).map((index) => counters[index - 1]!.key) };
  }

  async release(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#query(
      'SELECT payauth_state_release($1)',
      [keys.map((key) => this.#prefix + key)],
      'payauth_state_release',
    );
  }

  /**
   * Deletes expired replay records and counters, at most {@link SWEEP_BATCH} rows per statement, found through the
   * expiry index. Runs every `sweepIntervalMs`; returns how many rows went.
   */
  async sweep(): Promise<number> {
    let deleted = 0;
    for (const table of ['payauth_state_once', 'payauth_state_counters']) {
      for (let round = 0; round < 20; round++) {
        const { rowCount } = await this.#query(
          `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(
             SELECT ctid FROM ${table} WHERE expires_at < ${NOW_MS} - 1000 ORDER BY expires_at LIMIT ${SWEEP_BATCH}
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
