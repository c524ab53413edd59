import { PayauthError } from '@payauth/core';

/** A create would overwrite an existing credential (same mechanism and public id). */
export class StoreConflictError extends PayauthError {
  static override code = 'ERR_STORE_CONFLICT';
}

/** The store or the shared state cannot be reached; requests that need it get a 503. */
export class StoreUnavailableError extends PayauthError {
  static override code = 'ERR_STORE_UNAVAILABLE';
}

/**
 * Is this error a connection-level failure of PostgreSQL, Redis or the network (refused, reset, timed out, the
 * server shutting down, too many connections)? Such errors mean "try again later" (503), never "bad request".
 * The one classifier of the project: the PostgreSQL store wraps what it matches, the HTTP layer answers 503 for it.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const code = (error as { code?: unknown })?.code;
  return (
    (typeof code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|57P0[1-3]|08\d{3}|53300)$/.test(code)) ||
    /terminat|timeout|connection|Stream isn't writeable/i.test(String((error as Error)?.message))
  );
}

/**
 * The in-process replay store is full of live records (`MemorySharedState`'s `maxReplayRecords`): a request that
 * needs a new replay record gets the 503 of {@link StoreUnavailableError}, never an acceptance that forgot a record.
 */
export class ReplayStoreFullError extends StoreUnavailableError {
  static override code = 'ERR_REPLAY_STORE_FULL';
}
