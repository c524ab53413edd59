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

/**
 * Opens the store named by `--store`: a SQLite file path, `:memory:`, or a `postgres://` URL. The master key comes
 * from `PAYAUTH_MASTER_KEY`; for a SQLite file, else from `<store>.master-key` (created 0600). A PostgreSQL store is
 * shared by several instances, so the variable is required there: a key made up by one instance would be useless to
 * the others.
 */
export async function openStore(location: string): Promise<OpenedStore> {
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
  const envelope = new Envelope(loadMasterKey(memory ? {} : { keyFile: `${path}.master-key` }));
  const store = new SqliteStore(path);
  await store.migrate();
  return { store, envelope, directory: memory ? process.cwd() : dirname(path), location: path };
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
