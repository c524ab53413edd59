import { fail } from 'node:assert/strict';
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

/**
 * Runs `action` and returns what it threw; fails the test when it throws nothing, so that assertions on the error
 * cannot pass by never running (as they would inside a `catch`).
 */
export function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  fail('expected the action to throw, and it returned');
}
