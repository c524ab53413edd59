import type { Mechanism } from '@payauth/core';

/** One refusal, as listeners see it. Never a secret; `publicId` is already safe to show. */
export interface RejectionEvent {
  readonly at: number;
  readonly mechanism: Mechanism | 'bearer';
  /** The rejection code (`ERR_…`). */
  readonly code: string;
  /** The reason, in English, for the operator. */
  readonly reason: string;
  /** The sandbox diagnosis, when there is one. */
  readonly hint?: string;
  readonly publicId?: string;
  readonly credentialId?: string;
  readonly requestId: string;
  readonly address: string;
  readonly method: string;
  readonly path: string;
  /** The names of the request's headers (never their values). */
  readonly headerNames: readonly string[];
}

/**
 * The listeners told of every refusal. A listener that throws is removed from nothing and breaks nothing: its error
 * is swallowed, since a refusal must be answered whatever an observer does.
 *
 * @example
 * ```ts
 * const stop = payauth.onRejection((event) => console.log(event.code)); stop()
 * ```
 */
export class RejectionListeners {
  readonly #listeners = new Set<(event: RejectionEvent) => void>();

  /** Adds a listener; returns the function that removes it. */
  add(listener: (event: RejectionEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** True when somebody listens (so that the event is only built then). */
  get active(): boolean {
    return this.#listeners.size > 0;
  }

  /** Tells every listener. */
  emit(event: RejectionEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // An observer's failure must not change the answer.
      }
    }
  }
}
