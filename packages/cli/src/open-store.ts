import { dirname, resolve } from 'node:path';
import { type CredentialStore, Envelope, loadMasterKey, SqliteStore } from '@payauth/server';

/** A store opened from a `--store` value, with its envelope (master key). */
export interface OpenedStore {
  readonly store: CredentialStore;
  readonly envelope: Envelope;
  /** Where files that belong beside the store go (demo keys, generated identities). */
  readonly directory: string;
  readonly location: string;
}

/**
 * Opens the store named by `--store`: a SQLite file path or `:memory:`. The master key comes from
 * `PAYAUTH_MASTER_KEY`, else from `<store>.master-key` (created 0600 beside a file store).
 */
export async function openStore(location: string): Promise<OpenedStore> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    throw new Error('PostgreSQL stores are not available in this build yet; use a SQLite file or :memory:');
  }
  const memory = location === ':memory:';
  const path = memory ? location : resolve(location);
  const envelope = new Envelope(loadMasterKey(memory ? {} : { keyFile: `${path}.master-key` }));
  const store = new SqliteStore(path);
  await store.migrate();
  return { store, envelope, directory: memory ? process.cwd() : dirname(path), location: path };
}
