import { PayauthError } from '@payauth/core';

/** A create would overwrite an existing credential (same mechanism and public id). */
export class StoreConflictError extends PayauthError {
  static override code = 'ERR_STORE_CONFLICT';
}

/** The store or the shared state cannot be reached; requests that need it get a 503. */
export class StoreUnavailableError extends PayauthError {
  static override code = 'ERR_STORE_UNAVAILABLE';
}
