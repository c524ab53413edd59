import { DatabaseSync } from 'node:sqlite';
import type { Mechanism } from '@payauth/core';
import { StoreConflictError } from './errors.ts';
import {
  AUDIT_COLUMNS,
  auditValues,
  type Row,
  toAuditEvent,
  toCredential,
  toSecret,
  toSigningKey,
} from './rows.ts';
import type {
  Account,
  AuditEvent,
  CredentialRecord,
  Partner,
  PayauthStore,
  SecretKind,
  SecretRecord,
  SigningKeyRecord,
  StoredAuditEvent,
} from './types.ts';

/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Never edit a shipped one:
 * append a new one.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE partners (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE credentials (
     id TEXT PRIMARY KEY, partner_id TEXT NOT NULL REFERENCES partners(id), mechanism TEXT NOT NULL,
     public_id TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER,
     options TEXT NOT NULL DEFAULT '{}', UNIQUE (mechanism, public_id));
   CREATE TABLE secrets (
     id TEXT PRIMARY KEY, credential_id TEXT NOT NULL REFERENCES credentials(id), kind TEXT NOT NULL,
     value TEXT NOT NULL, not_before INTEGER NOT NULL, not_after INTEGER, created_at INTEGER NOT NULL);
   CREATE INDEX secrets_by_credential ON secrets (credential_id);
   CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
   INSERT INTO counters VALUES ('credentials', 0);
   CREATE TABLE signing_keys (kid TEXT PRIMARY KEY, private_key TEXT NOT NULL, created_at INTEGER NOT NULL, retired_at INTEGER);
   CREATE TABLE accounts (id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, body TEXT NOT NULL, position INTEGER NOT NULL);
   CREATE INDEX accounts_by_partner ON accounts (partner_id, position);
   CREATE TABLE users (partner_id TEXT NOT NULL, position INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (partner_id, position));
   CREATE TABLE balances (partner_id TEXT NOT NULL, currency TEXT NOT NULL, amount TEXT NOT NULL, PRIMARY KEY (partner_id, currency));
   CREATE TABLE audit (
     sequence INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, mechanism TEXT NOT NULL, public_id TEXT,
     credential_id TEXT, outcome TEXT NOT NULL, reason TEXT NOT NULL, address TEXT NOT NULL, request_id TEXT NOT NULL);
   CREATE INDEX audit_by_time ON audit (at);`,
  'ALTER TABLE audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1;',
];

/**
 * The embedded default store: SQLite through `node:sqlite` (no native build, ~241k indexed lookups/s here),
 * a file (WAL mode, so the CLI can write while a server reads) or `:memory:`.
 *
 * @example
 * ```ts
 * const store = new SqliteStore('./payauth.db'); await store.migrate()
 * ```
 */
export class SqliteStore implements PayauthStore {
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
    const version = Number((this.#db.prepare('PRAGMA user_version').get() as Row).user_version);
    for (let index = version; index < SQLITE_MIGRATIONS.length; index++) {
      this.#transaction(() => {
        this.#db.exec(SQLITE_MIGRATIONS[index]!);
        this.#db.exec(`PRAGMA user_version = ${index + 1}`);
      });
    }
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  async ensurePartner(partner: Partner): Promise<Partner> {
    this.#statement(
      'INSERT INTO partners (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
    ).run(partner.id, partner.name, partner.createdAt);
    const row = this.#statement('SELECT * FROM partners WHERE id = ?').get(partner.id) as Row;
    return { id: row.id as string, name: row.name as string, createdAt: Number(row.created_at) };
  }

  async listPartners(): Promise<Partner[]> {
    return (this.#statement('SELECT * FROM partners ORDER BY created_at, id').all() as Row[]).map((row) => ({
      id: row.id as string,
      name: row.name as string,
      createdAt: Number(row.created_at),
    }));
  }

  async createCredential(credential: CredentialRecord, secrets: SecretRecord[]): Promise<void> {
    try {
      this.#transaction(() => {
        this.#statement(
          'INSERT INTO credentials (id, partner_id, mechanism, public_id, status, created_at, revoked_at, options) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(
          credential.id,
          credential.partnerId,
          credential.mechanism,
          credential.publicId,
          credential.status,
          credential.createdAt,
          credential.revokedAt ?? null,
          JSON.stringify(credential.options),
        );
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

  #insertSecret(secret: SecretRecord): void {
    this.#statement(
      'INSERT INTO secrets (id, credential_id, kind, value, not_before, not_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(
      secret.id,
      secret.credentialId,
      secret.kind,
      secret.value,
      secret.notBefore,
      secret.notAfter ?? null,
      secret.createdAt,
    );
  }

  async findCredential(mechanism: Mechanism, publicId: string): Promise<CredentialRecord | undefined> {
    const row = this.#statement('SELECT * FROM credentials WHERE mechanism = ? AND public_id = ?').get(
      mechanism,
      publicId,
    ) as Row | undefined;
    return row ? toCredential(row) : undefined;
  }

  async getCredential(id: string): Promise<CredentialRecord | undefined> {
    const row = this.#statement('SELECT * FROM credentials WHERE id = ?').get(id) as Row | undefined;
    return row ? toCredential(row) : undefined;
  }

  async listCredentials(
    filter: { partnerId?: string; mechanism?: Mechanism } = {},
  ): Promise<CredentialRecord[]> {
    const rows = this.#statement(
      'SELECT * FROM credentials WHERE (?1 IS NULL OR partner_id = ?1) AND (?2 IS NULL OR mechanism = ?2) ORDER BY created_at, id',
    ).all(filter.partnerId ?? null, filter.mechanism ?? null) as Row[];
    return rows.map(toCredential);
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
    kind: SecretKind,
    oldNotAfter: number,
    secret: SecretRecord,
  ): Promise<void> {
    this.#transaction(() => {
      this.#statement(
        'UPDATE secrets SET not_after = ? WHERE credential_id = ? AND kind = ? AND (not_after IS NULL OR not_after > ?)',
      ).run(oldNotAfter, credentialId, kind, oldNotAfter);
      this.#insertSecret(secret);
      this.#bumpCounter();
    });
  }

  async listSecrets(credentialId: string, now: number, kind?: SecretKind): Promise<SecretRecord[]> {
    const rows = this.#statement(
      'SELECT * FROM secrets WHERE credential_id = ? AND (not_after IS NULL OR not_after > ?) AND (?3 IS NULL OR kind = ?3) ORDER BY not_before DESC, created_at DESC',
    ).all(credentialId, now, kind ?? null) as Row[];
    return rows.map(toSecret);
  }

  async changeCounter(): Promise<number> {
    const row = this.#statement("SELECT value FROM counters WHERE name = 'credentials'").get() as Row;
    return Number(row.value);
  }

  async putSigningKey(key: SigningKeyRecord): Promise<void> {
    this.#statement(
      'INSERT INTO signing_keys (kid, private_key, created_at, retired_at) VALUES (?, ?, ?, ?)',
    ).run(key.kid, key.privateKeyCiphertext, key.createdAt, key.retiredAt ?? null);
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return (this.#statement('SELECT * FROM signing_keys ORDER BY created_at').all() as Row[]).map(
      toSigningKey,
    );
  }

  async retireSigningKey(kid: string, at: number): Promise<void> {
    this.#statement('UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL').run(
      at,
      kid,
    );
  }

  async putAccounts(partnerId: string, accounts: Account[]): Promise<void> {
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

  async listAccounts(partnerId: string): Promise<Account[]> {
    const rows = this.#statement('SELECT body FROM accounts WHERE partner_id = ? ORDER BY position').all(
      partnerId,
    ) as Row[];
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
    ) as Row[];
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
    ) as Row | undefined;
    return row ? (row.amount as string) : undefined;
  }

  async appendAudit(events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.#transaction(() => {
      const insert = this.#statement(
        `INSERT INTO audit (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`,
      );
      for (const event of events) insert.run(...auditValues(event));
    });
  }

  async listAudit(filter: { since?: number; limit?: number } = {}): Promise<StoredAuditEvent[]> {
    const rows = this.#statement('SELECT * FROM audit WHERE at >= ? ORDER BY sequence DESC LIMIT ?').all(
      filter.since ?? 0,
      filter.limit ?? 1000,
    ) as Row[];
    return rows.reverse().map(toAuditEvent);
  }
}
