/** The SQL dialects payauth's stores speak. */
export type SqlDialect = 'sqlite' | 'postgres';

const DIALECT = {
  sqlite: { prefix: '', time: 'INTEGER', json: 'TEXT', sequence: 'INTEGER PRIMARY KEY AUTOINCREMENT' },
  postgres: { prefix: 'payauth_', time: 'BIGINT', json: 'JSONB', sequence: 'BIGSERIAL PRIMARY KEY' },
} as const;

/**
 * The schema migrations of both SQL stores, from one definition: table names (PostgreSQL's carry a `payauth_`
 * prefix, since they share a database with the application), time columns (ms since the epoch), options as JSON text
 * or JSONB. Applied in order and counted (SQLite's `PRAGMA user_version`, PostgreSQL's `payauth_migrations` under an
 * advisory lock). Never edit a shipped one: append a new one.
 *
 * @example
 * ```ts
 * for (const sql of schemaMigrations('sqlite')) database.exec(sql)
 * ```
 */
export function schemaMigrations(dialect: SqlDialect): readonly string[] {
  const { prefix: p, time, json, sequence } = DIALECT[dialect];
  return [
    `CREATE TABLE ${p}partners (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at ${time} NOT NULL);
     CREATE TABLE ${p}credentials (
       id TEXT PRIMARY KEY, partner_id TEXT NOT NULL REFERENCES ${p}partners(id), mechanism TEXT NOT NULL,
       public_id TEXT NOT NULL, status TEXT NOT NULL, created_at ${time} NOT NULL, revoked_at ${time},
       options ${json} NOT NULL DEFAULT '{}', UNIQUE (mechanism, public_id));
     CREATE TABLE ${p}secrets (
       id TEXT PRIMARY KEY, credential_id TEXT NOT NULL REFERENCES ${p}credentials(id), kind TEXT NOT NULL,
       value TEXT NOT NULL, not_before ${time} NOT NULL, not_after ${time}, created_at ${time} NOT NULL);
     CREATE INDEX ${p}secrets_by_credential ON ${p}secrets (credential_id);
     CREATE TABLE ${p}counters (name TEXT PRIMARY KEY, value ${time} NOT NULL);
     INSERT INTO ${p}counters VALUES ('credentials', 0);
     CREATE TABLE ${p}signing_keys (kid TEXT PRIMARY KEY, private_key TEXT NOT NULL, created_at ${time} NOT NULL, retired_at ${time});
     CREATE TABLE ${p}accounts (id TEXT NOT NULL, partner_id TEXT NOT NULL, body TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (partner_id, id));
     CREATE TABLE ${p}users (partner_id TEXT NOT NULL, position INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (partner_id, position));
     CREATE TABLE ${p}balances (partner_id TEXT NOT NULL, currency TEXT NOT NULL, amount TEXT NOT NULL, PRIMARY KEY (partner_id, currency));
     CREATE TABLE ${p}audit (
       sequence ${sequence}, at ${time} NOT NULL, mechanism TEXT NOT NULL, public_id TEXT, credential_id TEXT,
       outcome TEXT NOT NULL, reason TEXT NOT NULL, address TEXT NOT NULL, request_id TEXT NOT NULL);
     CREATE INDEX ${p}audit_by_time ON ${p}audit (at);`,
    `ALTER TABLE ${p}audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1;`,
  ];
}
