import { DatabaseSync } from 'node:sqlite';
import type { Mechanism } from '@payauth/core';
import { StoreConflictError } from './errors.ts';
import * as Rows from './rows.ts';
import { schemaMigrations } from './schema.ts';
import type * as Types from './types.ts';

const MIGRATIONS = schemaMigrations('sqlite');

/**
 * The embedded default store: SQLite through `node:sqlite` (no native build, ~241k indexed lookups/s here),
 * a file (WAL mode, so the CLI can write while a server reads) or `:memory:`.
 *
 * @example
 * ```ts
 * const store = new SqliteStore('./payauth.db'); await store.migrate()
 * ```
 */
export class SqliteStore implements Types.PayauthStore {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();

  /** @param location - a file path or `:memory:` */
  constructor(location: string) {
    this.#db = new DatabaseSync(location);
    this.#db.exec('PRAGMA busy_timeout = 5000');
    if (location !== ':memory:') this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
    this.#db.exec('PRAGMA foreign_keys = ON');
  }

  #statement(sql: string): ReturnType<DatabaseSync['prepare']> {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #bumpCounter(): void {
    this.#statement("UPDATE counters SET value = value + 1 WHERE name = 'credentials'").run();
  }

  async migrate(): Promise<void> {
    const version = Number((this.#db.prepare('PRAGMA user_version').get() as Rows.Row).user_version);
    for (let index = version; index < MIGRATIONS.length; index++) {
      this.#transaction(() => {
        this.#db.exec(MIGRATIONS[index]!);
        this.#db.exec(`PRAGMA user_version = ${index + 1}`);
      });
    }
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  async ensurePartner(partner: Types.Partner): Promise<Types.Partner> {
    this.#statement(
      'INSERT INTO partners (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
    ).run(partner.id, partner.name, partner.createdAt);
    const row = this.#statement('SELECT * FROM partners WHERE id = ?').get(partner.id) as Rows.Row;
    return Rows.toPartner(row);
  }

  async listPartners(): Promise<Types.Partner[]> {
    return (this.#statement('SELECT * FROM partners ORDER BY created_at, id').all() as Rows.Row[]).map(
      Rows.toPartner,
    );
  }

  async createCredential(credential: Types.CredentialRecord, secrets: Types.SecretRecord[]): Promise<void> {
    try {
      this.#transaction(() => {
        this.#statement(
          'INSERT INTO credentials (id, partner_id, mechanism, public_id, status, created_at, revoked_at, options) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(...Rows.credentialValues(credential));
        for (const secret of secrets) this.#insertSecret(secret);
        this.#bumpCounter();
      });
    } catch (error) {
      if (/UNIQUE constraint failed/.test(String((error as Error).message))) {
        throw new StoreConflictError(
          `a ${credential.mechanism} credential with this public id already exists`,
        );
      }
      throw error;
    }
  }

  #insertSecret(secret: Types.SecretRecord): void {
    this.#statement(
      'INSERT INTO secrets (id, credential_id, kind, value, not_before, not_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(...Rows.secretValues(secret));
  }

  async findCredential(mechanism: Mechanism, publicId: string): Promise<Types.CredentialRecord | undefined> {
    const row = this.#statement('SELECT * FROM credentials WHERE mechanism = ? AND public_id = ?').get(
      mechanism,
      publicId,
    ) as Rows.Row | undefined;
    return row ? Rows.toCredential(row) : undefined;
  }

  async getCredential(id: string): Promise<Types.CredentialRecord | undefined> {
    const row = this.#statement('SELECT * FROM credentials WHERE id = ?').get(id) as Rows.Row | undefined;
    return row ? Rows.toCredential(row) : undefined;
  }

  async listCredentials(
    filter: { partnerId?: string; mechanism?: Mechanism } = {},
  ): Promise<Types.CredentialRecord[]> {
    const rows = this.#statement(
      'SELECT * FROM credentials WHERE (?1 IS NULL OR partner_id = ?1) AND (?2 IS NULL OR mechanism = ?2) ORDER BY created_at, id',
    ).all(filter.partnerId ?? null, filter.mechanism ?? null) as Rows.Row[];
    return rows.map(Rows.toCredential);
  }

  async revokeCredential(id: string, at: number): Promise<boolean> {
    return this.#transaction(() => {
      const result = this.#statement(
        "UPDATE credentials SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'active'",
      ).run(at, id);
      if (Number(result.changes) > 0) this.#bumpCounter();
      return (
        Number(result.changes) > 0 ||
        this.#statement('SELECT 1 FROM credentials WHERE id = ?').get(id) !== undefined
      );
    });
  }

  async rotateSecret(
    credentialId: string,
    kind: Types.SecretKind,
    until: number,
    secret: Types.SecretRecord,
  ) {
    this.#transaction(() => {
      this.#statement(
        'UPDATE secrets SET not_after = ? WHERE credential_id = ? AND kind = ? AND (not_after IS NULL OR not_after > ?)',
      ).run(until, credentialId, kind, until);
      this.#insertSecret(secret);
      this.#bumpCounter();
    });
  }

  async listSecrets(
    credentialId: string,
    now: number,
    kind?: Types.SecretKind,
  ): Promise<Types.SecretRecord[]> {
    const rows = this.#statement(
      'SELECT * FROM secrets WHERE credential_id = ? AND (not_after IS NULL OR not_after > ?) AND (?3 IS NULL OR kind = ?3) ORDER BY not_before DESC, created_at DESC',
    ).all(credentialId, now, kind ?? null) as Rows.Row[];
    return rows.map(Rows.toSecret);
  }

  async changeCounter(): Promise<number> {
    const row = this.#statement("SELECT value FROM counters WHERE name = 'credentials'").get() as Rows.Row;
    return Number(row.value);
  }

  async putSigningKey(key: Types.SigningKeyRecord): Promise<void> {
    this.#statement(
      'INSERT INTO signing_keys (kid, private_key, created_at, retired_at) VALUES (?, ?, ?, ?)',
    ).run(key.kid, key.privateKeyCiphertext, key.createdAt, key.retiredAt ?? null);
  }

  async listSigningKeys(): Promise<Types.SigningKeyRecord[]> {
    return (this.#statement('SELECT * FROM signing_keys ORDER BY created_at').all() as Rows.Row[]).map(
      Rows.toSigningKey,
    );
  }

  async retireSigningKey(kid: string, at: number): Promise<void> {
    this.#statement('UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL').run(
      at,
      kid,
    );
  }

  async putAccounts(partnerId: string, accounts: Types.Account[]): Promise<void> {
    this.#transaction(() => {
      this.#statement('DELETE FROM accounts WHERE partner_id = ?').run(partnerId);
      accounts.forEach((account, position) => {
        this.#statement('INSERT INTO accounts (id, partner_id, body, position) VALUES (?, ?, ?, ?)').run(
          account.id,
          partnerId,
          JSON.stringify(account),
          position,
        );
      });
    });
  }

  async listAccounts(partnerId: string): Promise<Types.Account[]> {
    const rows = this.#statement('SELECT body FROM accounts WHERE partner_id = ? ORDER BY position').all(
      partnerId,
    ) as Rows.Row[];
    return rows.map((row) => JSON.parse(row.body as string));
  }

  async putUsers(partnerId: string, users: Array<Record<string, string>>): Promise<void> {
    this.#transaction(() => {
      this.#statement('DELETE FROM users WHERE partner_id = ?').run(partnerId);
      users.forEach((user, position) => {
        this.#statement('INSERT INTO users (partner_id, position, body) VALUES (?, ?, ?)').run(
          partnerId,
          position,
          JSON.stringify(user),
        );
      });
    });
  }

  async listUsers(partnerId: string): Promise<Array<Record<string, string>>> {
    const rows = this.#statement('SELECT body FROM users WHERE partner_id = ? ORDER BY position').all(
      partnerId,
    ) as Rows.Row[];
    return rows.map((row) => JSON.parse(row.body as string));
  }

  async putBalance(partnerId: string, currency: string, amount: string): Promise<void> {
    this.#statement(
      'INSERT INTO balances (partner_id, currency, amount) VALUES (?, ?, ?) ON CONFLICT (partner_id, currency) DO UPDATE SET amount = excluded.amount',
    ).run(partnerId, currency, amount);
  }

  async getBalance(partnerId: string, currency: string): Promise<string | undefined> {
    const row = this.#statement('SELECT amount FROM balances WHERE partner_id = ? AND currency = ?').get(
      partnerId,
      currency,
    ) as Rows.Row | undefined;
    return row ? (row.amount as string) : undefined;
  }

  async appendAudit(events: Types.AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.#transaction(() => {
      const insert = this.#statement(
        `INSERT INTO audit (${Rows.AUDIT_COLUMNS.join(', ')}) VALUES (${Rows.AUDIT_COLUMNS.map(() => '?').join(', ')})`,
      );
      for (const event of events) insert.run(...Rows.auditValues(event));
    });
  }

  async listAudit(filter: { since?: number; limit?: number } = {}): Promise<Types.StoredAuditEvent[]> {
    const rows = this.#statement('SELECT * FROM audit WHERE at >= ? ORDER BY sequence DESC LIMIT ?').all(
      filter.since ?? 0,
      filter.limit ?? 1000,
    ) as Rows.Row[];
    return rows.reverse().map(Rows.toAuditEvent);
  }
}
