import { InvalidOptionError } from '@payauth/core';
import {
  isPostgresUrl,
  type OpenedStore,
  type OpenStoreOptions,
  openSharedState as openServerSharedState,
  openStore as openServerStore,
  type SharedState,
} from '@payauth/server';
import { UsageError } from './output.ts';

export { isPostgresUrl, type OpenedStore };

/** A wrong option of the store or Redis is the user's to fix: a usage error (one line, exit 2). */
export function asUsageError(error: unknown): never {
  if (error instanceof InvalidOptionError) {
    const name = error.option === 'masterKey' ? 'PAYAUTH_MASTER_KEY' : `--${error.option}`;
    throw new UsageError(error.message.replace(`"${error.option}"`, name));
  }
  const message = (error as Error)?.message ?? String(error);
  if (/unable to open database file|SQLITE_CANTOPEN/i.test(message)) {
    throw new UsageError(`--store: cannot open the SQLite file (${message})`);
  }
  throw error;
}

/**
 * Opens the store named by `--store` (a SQLite file path, `:memory:`, or a `postgres://` URL); see the server's
 * `openStore`. Its errors become usage errors naming the option.
 */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  try {
    return await openServerStore(location, options);
  } catch (error) {
    // Name the path as given (a typo is easier to see there), in one line: `--store ./typo.db: must be …`.
    if (error instanceof InvalidOptionError && error.option === 'store') {
      throw new UsageError(error.message.replace('"store"', `--store ${location}:`));
    }
    return asUsageError(error);
  }
}

/** Connects the Redis shared state for `--redis URL`; its errors become usage errors naming the option. */
export async function openSharedState(url: string, prefix = 'payauth:'): Promise<SharedState> {
  try {
    return await openServerSharedState(url, prefix);
  } catch (error) {
    return asUsageError(error);
  }
}
