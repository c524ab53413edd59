import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  type CredentialStore,
  Envelope,
  loadMasterKey,
  MASTER_KEY_VARIABLE,
  PostgresStore,
  RedisSharedState,
  type SharedState,
  SqliteStore,
} from '@payauth/server';
import { Redis } from 'ioredis';
import { UsageError } from './output.ts';

/** A store opened from a `--store` value, with its envelope (master key). */
export interface OpenedStore {
  readonly store: CredentialStore;
  readonly envelope: Envelope;
  /** Where files that belong beside the store go (demo keys, generated identities). */
  readonly directory: string;
  /** What to print: the file path, `:memory:`, or the URL without its password. */
  readonly location: string;
}

/** True for a `postgres://` or `postgresql://` store URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /**
   * The command only reads or changes what is there (`audit`, `credentials list|rotate|revoke`, `keys`): a SQLite file
   * that does not exist is a typo, refused before anything (store or master-key file) is created.
   */
  readonly mustExist?: boolean;
}

/**
 * Opens the store named by `--store`: a SQLite file path, `:memory:`, or a `postgres://` URL. The master key comes
 * from `PAYAUTH_MASTER_KEY`; for a SQLite file, else from `<store>.master-key` (created 0600). A PostgreSQL store is
 * shared by several instances, so the variable is required there: a key made up by one instance would be useless to
 * the others. A SQLite path whose folder does not exist, or (with `mustExist`) a file that does not exist, is a
 * {@link UsageError} naming the path.
 */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (isPostgresUrl(location)) {
    if (!process.env[MASTER_KEY_VARIABLE]) {
      throw new UsageError(
        `${MASTER_KEY_VARIABLE} is required with a PostgreSQL store: every instance must share it (32 bytes, hex or base64)`,
      );
    }
    const store = new PostgresStore(location);
    await store.migrate();
    const shown = new URL(location);
    shown.password = '';
    return {
      store,
      envelope: new Envelope(loadMasterKey({})),
      directory: process.cwd(),
      location: shown.toString(),
    };
  }
  const memory = location === ':memory:';
  const path = memory ? location : resolve(location);
  if (!memory) checkSqlitePath(path, options.mustExist === true);
  const envelope = new Envelope(loadMasterKey(memory ? {} : { keyFile: `${path}.master-key` }));
  let store: SqliteStore;
  try {
    store = new SqliteStore(path);
    await store.migrate();
  } catch (error) {
    throw new UsageError(`cannot open the store ${path}: ${(error as Error).message}`);
  }
  return { store, envelope, directory: memory ? process.cwd() : dirname(path), location: path };
}

function checkSqlitePath(path: string, mustExist: boolean): void {
  const folder = dirname(path);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UsageError(`cannot open the store ${path}: the folder ${folder} does not exist`);
  }
  if (mustExist && !existsSync(path)) {
    throw new UsageError(
      `no store at ${path} (check --store; \`payauth serve\` or \`payauth credentials create\` makes one)`,
    );
  }
}

/**
 * Connects the Redis shared state for `--redis URL`, configured to fail fast while Redis is down (no offline queue,
 * 1 s command timeout) and to reconnect by itself.
 */
export async function openSharedState(url: string, prefix = 'payauth:'): Promise<SharedState> {
  if (!/^rediss?:\/\//.test(url)) throw new UsageError('--redis takes a redis:// or rediss:// URL');
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: 1000,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(1000, 50 * attempt),
    lazyConnect: true,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    throw new UsageError(`cannot reach Redis at ${url.replace(/\/\/[^@]*@/, '//')}`);
  }
  return new RedisSharedState(redis, { prefix });
}
