import type { Mechanism } from '@payauth/core';
import pg from 'pg';
import { isConnectionFailure, StoreConflictError, StoreUnavailableError } from './errors.ts';
import * as Rows from './rows.ts';
import { schemaMigrations } from './schema.ts';
import type * as Types from './types.ts';

const MIGRATIONS = schemaMigrations('postgres');

/** The channel a change notice is sent on (NOTIFY in the changing transaction). */
export const POSTGRES_CHANGE_CHANNEL = 'payauth_changes';

/** Connection-level failures become {@link StoreUnavailableError} (the server answers 503 for them). */
function unavailable(error: unknown): never {
  if (isConnectionFailure(error)) {
    throw new StoreUnavailableError('the PostgreSQL store is unreachable', { cause: error });
  }
  throw error;
}

/**
 * A `pg.Pool` you manage, typed by the few members the store relies on, so that this module's declarations need no
 * `@types/pg` (docs/embedding.md: no `@types/*` beyond `@types/node` and the user's framework's).
 */
export interface PostgresPool {
  query(text: string, values?: unknown[]): Promise<unknown>;
  connect(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  end(): Promise<void>;
}

/**
 * The store for several instances: PostgreSQL through `pg`. Every change runs in a transaction that also moves the
 * change counter and sends a NOTIFY on {@link POSTGRES_CHANGE_CHANNEL}, so instances can react at once (they also poll).
 *
 * @example
 * ```ts
 * const store = new PostgresStore('postgres://payauth@db/payauth'); await store.migrate()
 * ```
 */
export class PostgresStore implements Types.PayauthStore {
  readonly #pool: pg.Pool;
  #listener: pg.Client | undefined;

  /** @param connection - a `postgres://` URL or a `pg.Pool` you manage */
  constructor(connection: string | PostgresPool, options: { max?: number } = {}) {
    this.#pool =
      typeof connection === 'string'
        ? new pg.Pool({
            connectionString: connection,
            max: options.max ?? 10,
            connectionTimeoutMillis: 2000,
            query_timeout: 5000,
          })
        : (connection as unknown as pg.Pool);
    // An idle client's connection dropping must not crash the process; the next query reconnects.
    this.#pool.on('error', () => {});
  }

  async #query(sql: string, values: unknown[] = []): Promise<Rows.Row[]> {
    try {
      return (await this.#pool.query(sql, values)).rows;
    } catch (error) {
      return unavailable(error);
    }
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      return unavailable(error);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      if ((error as { code?: string }).code === '23505') {
        throw new StoreConflictError('a credential with this public id already exists');
      }
      return unavailable(error);
    } finally {
      client.release();
    }
  }

  async #bump(client: pg.PoolClient, credentialId: string): Promise<void> {
    await client.query("UPDATE payauth_counters SET value = value + 1 WHERE name = 'credentials'");
    await client.query('SELECT pg_notify($1, $2)', [POSTGRES_CHANGE_CHANNEL, credentialId]);
  }

  async migrate(): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('payauth-migrate'))");
      await client.query('CREATE TABLE IF NOT EXISTS payauth_migrations (version INTEGER PRIMARY KEY)');
      const { rows } = await client.query(
        'SELECT COALESCE(MAX(version), 0) AS version FROM payauth_migrations',
      );
      for (let index = Number(rows[0].version); index < MIGRATIONS.length; index++) {
        await client.query(MIGRATIONS[index]!);
        await client.query('INSERT INTO payauth_migrations (version) VALUES ($1)', [index + 1]);
      }
    });
  }

  async close(): Promise<void> {
    await this.#listener?.end().catch(() => {});
    await this.#pool.end().catch(() => {});
  }

  /** Listens to change notices (LISTEN on a dedicated connection); returns a function that stops. */
  async listen(onChange: (credentialId: string) => void): Promise<() => Promise<void>> {
    const client = new pg.Client({
      connectionString: (this.#pool as unknown as { options: { connectionString: string } }).options
        .connectionString,
    });
    client.on('error', () => {});
    await client.connect();
    client.on('notification', (message) => onChange(message.payload ?? ''));
    await client.query(`LISTEN ${POSTGRES_CHANGE_CHANNEL}`);
    this.#listener = client;
    return async () => {
      await client.end().catch(() => {});
    };
  }

  async ensurePartner(partner: Types.Partner): Promise<Types.Partner> {
    await this.#query(
      'INSERT INTO payauth_partners (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
      [partner.id, partner.name, partner.createdAt],
    );
    const [row] = await this.#query('SELECT * FROM payauth_partners WHERE id = $1', [partner.id]);
    return Rows.toPartner(row!);
  }

  async listPartners(): Promise<Types.Partner[]> {
    return (await this.#query('SELECT * FROM payauth_partners ORDER BY created_at, id')).map(Rows.toPartner);
  }

  async createCredential(credential: Types.CredentialRecord, secrets: Types.SecretRecord[]): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query(
        'INSERT INTO payauth_credentials (id, partner_id, mechanism, public_id, status, created_at, revoked_at, options) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        Rows.credentialValues(credential),
      );
      for (const secret of secrets) await this.#insertSecret(client, secret);
      await this.#bump(client, credential.id);
    });
  }

  async #insertSecret(client: pg.PoolClient, secret: Types.SecretRecord): Promise<void> {
    await client.query(
      'INSERT INTO payauth_secrets (id, credential_id, kind, value, not_before, not_after, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      Rows.secretValues(secret),
    );
  }

  async findCredential(mechanism: Mechanism, publicId: string): Promise<Types.CredentialRecord | undefined> {
    const [row] = await this.#query(
      'SELECT * FROM payauth_credentials WHERE mechanism = $1 AND public_id = $2',
      [mechanism, publicId],
    );
    return row ? Rows.toCredential(row) : undefined;
  }

  async getCredential(id: string): Promise<Types.CredentialRecord | undefined> {
    const [row] = await this.#query('SELECT * FROM payauth_credentials WHERE id = $1', [id]);
    return row ? Rows.toCredential(row) : undefined;
  }

  async listCredentials(
    filter: { partnerId?: string; mechanism?: Mechanism } = {},
  ): Promise<Types.CredentialRecord[]> {
    const rows = await this.#query(
      'SELECT * FROM payauth_credentials WHERE ($1::text IS NULL OR partner_id = $1) AND ($2::text IS NULL OR mechanism = $2) ORDER BY created_at, id',
      [filter.partnerId ?? null, filter.mechanism ?? null],
    );
    return rows.map(Rows.toCredential);
  }

  async revokeCredential(id: string, at: number): Promise<boolean> {
    return this.#transaction(async (client) => {
      const result = await client.query(
        "UPDATE payauth_credentials SET status = 'revoked', revoked_at = $1 WHERE id = $2 AND status = 'active'",
        [at, id],
      );
      if ((result.rowCount ?? 0) > 0) {
        await this.#bump(client, id);
        return true;
      }
      return (await client.query('SELECT 1 FROM payauth_credentials WHERE id = $1', [id])).rowCount! > 0;
    });
  }

  async rotateSecret(
    credentialId: string,
    kind: Types.SecretKind,
    until: number,
    secret: Types.SecretRecord,
  ) {
    await this.#transaction(async (client) => {
      await client.query(
        'UPDATE payauth_secrets SET not_after = $1 WHERE credential_id = $2 AND kind = $3 AND (not_after IS NULL OR not_after > $1)',
        [until, credentialId, kind],
      );
      await this.#insertSecret(client, secret);
      await this.#bump(client, credentialId);
    });
  }

  async listSecrets(
    credentialId: string,
    now: number,
    kind?: Types.SecretKind,
  ): Promise<Types.SecretRecord[]> {
    const rows = await this.#query(
      'SELECT * FROM payauth_secrets WHERE credential_id = $1 AND (not_after IS NULL OR not_after > $2) AND ($3::text IS NULL OR kind = $3) ORDER BY not_before DESC, created_at DESC',
      [credentialId, now, kind ?? null],
    );
    return rows.map(Rows.toSecret);
  }

  async changeCounter(): Promise<number> {
    const [row] = await this.#query("SELECT value FROM payauth_counters WHERE name = 'credentials'");
    return Number(row!.value);
  }

  async putSigningKey(key: Types.SigningKeyRecord): Promise<void> {
    await this.#query(
      'INSERT INTO payauth_signing_keys (kid, private_key, created_at, retired_at) VALUES ($1, $2, $3, $4) ON CONFLICT (kid) DO NOTHING',
      [key.kid, key.privateKeyCiphertext, key.createdAt, key.retiredAt ?? null],
    );
  }

  async listSigningKeys(): Promise<Types.SigningKeyRecord[]> {
    return (await this.#query('SELECT * FROM payauth_signing_keys ORDER BY created_at')).map(
      Rows.toSigningKey,
    );
  }

  async retireSigningKey(kid: string, at: number): Promise<void> {
    await this.#query(
      'UPDATE payauth_signing_keys SET retired_at = $1 WHERE kid = $2 AND retired_at IS NULL',
      [at, kid],
    );
  }

  async putAccounts(partnerId: string, accounts: Types.Account[]): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query('DELETE FROM payauth_accounts WHERE partner_id = $1', [partnerId]);
      for (const [position, account] of accounts.entries()) {
        await client.query(
          'INSERT INTO payauth_accounts (id, partner_id, body, position) VALUES ($1, $2, $3, $4)',
          [account.id, partnerId, JSON.stringify(account), position],
        );
      }
    });
  }

  async listAccounts(partnerId: string): Promise<Types.Account[]> {
    const rows = await this.#query(
      'SELECT body FROM payauth_accounts WHERE partner_id = $1 ORDER BY position',
      [partnerId],
    );
    // Kept as text, not JSONB: JSONB would reorder the keys of the documented shape.
    return rows.map((row) => JSON.parse(row.body as string));
  }

  async putUsers(partnerId: string, users: Array<Record<string, string>>): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query('DELETE FROM payauth_users WHERE partner_id = $1', [partnerId]);
      for (const [position, user] of users.entries()) {
        await client.query('INSERT INTO payauth_users (partner_id, position, body) VALUES ($1, $2, $3)', [
          partnerId,
          position,
          JSON.stringify(user),
        ]);
      }
    });
  }

  async listUsers(partnerId: string): Promise<Array<Record<string, string>>> {
    const rows = await this.#query('SELECT body FROM payauth_users WHERE partner_id = $1 ORDER BY position', [
      partnerId,
    ]);
    return rows.map((row) => JSON.parse(row.body as string));
  }

  async putBalance(partnerId: string, currency: string, amount: string): Promise<void> {
    await this.#query(
      'INSERT INTO payauth_balances (partner_id, currency, amount) VALUES ($1, $2, $3) ON CONFLICT (partner_id, currency) DO UPDATE SET amount = excluded.amount',
      [partnerId, currency, amount],
    );
  }

  async getBalance(partnerId: string, currency: string): Promise<string | undefined> {
    const [row] = await this.#query(
      'SELECT amount FROM payauth_balances WHERE partner_id = $1 AND currency = $2',
      [partnerId, currency],
    );
    return row ? (row.amount as string) : undefined;
  }

  async appendAudit(events: Types.AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One multi-row INSERT per batch (at most 1000 rows, 9000 parameters).
    for (let start = 0; start < events.length; start += 1000) {
      const batch = events.slice(start, start + 1000);
      const values: unknown[] = [];
      const tuples = batch.map((event, index) => {
        values.push(...Rows.auditValues(event));
        return `(${Rows.AUDIT_COLUMNS.map((_, column) => `$${index * Rows.AUDIT_COLUMNS.length + column + 1}`).join(', ')})`;
      });
      await this.#query(
        `INSERT INTO payauth_audit (${Rows.AUDIT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`,
        values,
      );
    }
  }

  async listAudit(filter: { since?: number; limit?: number } = {}): Promise<Types.StoredAuditEvent[]> {
    const rows = await this.#query(
      'SELECT * FROM payauth_audit WHERE at >= $1 ORDER BY sequence DESC LIMIT $2',
      [filter.since ?? 0, filter.limit ?? 1000],
    );
    return rows.reverse().map(Rows.toAuditEvent);
  }
}
