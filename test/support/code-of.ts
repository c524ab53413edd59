import { RejectionError } from '@payauth/core';

/** Runs `action`: undefined when it succeeds, the RejectionError's code when it refuses; anything else is rethrown. */
export function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (!(error instanceof RejectionError)) throw error;
    return error.code;
  }
}
