import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidOptionError } from '@payauth/core';
import { Envelope, loadMasterKey, MASTER_KEY_VARIABLE, parseMasterKey } from '../secrets/envelope.ts';
import { MemoryStore } from './memory.ts';
import { SqliteStore } from './sqlite.ts';
import type { PayauthStore } from './types.ts';

/** A store opened from a location, with its envelope (master key). */
export interface OpenedStore {
  readonly store: PayauthStore;
  readonly envelope: Envelope;
  /** Where files that belong beside the store go (demo keys, generated identities). */
  readonly directory: string;
  /** What to print: the file path, `:memory:`, or the URL without its password. */
  readonly location: string;
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** The master key (32 bytes, or 64 hex digits / base64); default `PAYAUTH_MASTER_KEY`, then a key file. */
  readonly masterKey?: string | Buffer;
  /** Refuse a SQLite file that does not exist yet (commands that only read). */
  readonly mustExist?: boolean;
}

/**
 * `:memory:`: SQLite in memory where `node:sqlite` runs, else the {@link MemoryStore} (both pass the same conformance
 * suite). Cloudflare Workers with `nodejs_compat` has a `node:sqlite` whose `DatabaseSync` throws `Illegal
 * constructor`, and runtimes without `process.getBuiltinModule` have none (SPEC.md, "Every runtime").
 */
function openMemoryStore(): SqliteStore | MemoryStore {
  try {
    return new SqliteStore(':memory:');
  } catch {
    return new MemoryStore();
  }
}

/** True for a `postgres://` or `postgresql://` store URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/**
 * Opens a store by location — a SQLite file path, `:memory:`, or a `postgres://` URL (the `pg` driver is loaded only
 * then) — and migrates it. The master key comes from `masterKey`, else `PAYAUTH_MASTER_KEY`; for a SQLite file, else
 * from `<store>.master-key` (created 0600). A PostgreSQL store is shared by several instances, so a key must be given
 * there: a key made up by one instance would be useless to the others.
 *
 * @example
 * ```ts
 * const { store, envelope } = await openStore('./payauth.db')
 * ```
 */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const given =
    options.masterKey === undefined
      ? undefined
      : Buffer.isBuffer(options.masterKey)
        ? options.masterKey
        : parseMasterKey(options.masterKey);
  if (isPostgresUrl(location)) {
    const key = given ?? (process.env[MASTER_KEY_VARIABLE] ? loadMasterKey({}) : undefined);
    if (key === undefined) {
      throw new InvalidOptionError(
        'masterKey',
        `given (or ${MASTER_KEY_VARIABLE} set) with a PostgreSQL store, the same for every instance: 32 bytes in hex or base64, e.g. from \`openssl rand -hex 32\``,
      );
    }
    const { PostgresStore } = await import('./postgres.ts');
    const store = new PostgresStore(location);
    await store.migrate();
    const shown = new URL(location);
    shown.password = '';
    return { store, envelope: new Envelope(key), directory: process.cwd(), location: shown.toString() };
  }
  const memory = location === ':memory:';
  const path = memory ? location : resolve(location);
  if (!memory && options.mustExist && !existsSync(path)) {
    throw new InvalidOptionError('store', `an existing SQLite file (${path} does not exist)`);
  }
  if (!memory && !existsSync(dirname(path))) {
    throw new InvalidOptionError(
      'store',
      `a SQLite file in an existing folder (${path}: the folder ${dirname(path)} does not exist)`,
    );
  }
  const key = given ?? loadMasterKey(memory ? {} : { keyFile: `${path}.master-key` });
  const store = memory ? openMemoryStore() : new SqliteStore(path);
  await store.migrate();
  return {
    store,
    envelope: new Envelope(key),
    directory: memory ? process.cwd() : dirname(path),
    location: path,
  };
}
