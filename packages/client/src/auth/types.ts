import type { Mechanism } from '@payauth/core';
import type { ServerClock } from '../clock.ts';
import type { TokenStore } from '../token/store.ts';

/** What a strategy is bound to: the client's fetch, clock and base URL. */
export interface StrategyContext {
  readonly fetch: typeof globalThis.fetch;
  readonly clock: ServerClock;
  readonly baseUrl: string;
  /** The token cache (memory by default). */
  readonly tokenStore?: TokenStore;
}

/** The credentials a request carries. `token` is set by token strategies, for the 401 rule. */
export interface Authorization {
  readonly headers: Readonly<Record<string, string>>;
  readonly token?: string;
}

/** A strategy bound to a client. */
export interface BoundStrategy {
  readonly mechanism: Mechanism;
  /** The headers for one request (a fresh hmac signature, or a cached token). */
  authorize(signal?: AbortSignal): Promise<Authorization>;
  /**
   * A request made with `authorization` got a 401. Returns true when exactly one retry is worthwhile: a token
   * strategy drops the token if it is still the cached one (a straggler's old token causes no second refresh);
   * hmac retries only when the server clock offset just changed.
   */
  onUnauthorized(authorization: Authorization, facts: { clockChanged: boolean }): Promise<boolean>;
  /** Token requests made so far (0 for hmac). */
  readonly tokenRequests: number;
  /**
   * Replaces every secret this strategy holds (its secret, and the tokens it obtained) in `text`: redaction by value,
   * for provider answers that echo what was sent, before they become an error message.
   */
  redact(text: string): string;
  close(): void;
}

/**
 * A client authentication strategy: built (and its options checked) once by a factory — `hmac`, `appToken`,
 * `privateKeyJwt`, `apiKey` — and bound to a client by `createClient`.
 */
export interface AuthStrategy {
  readonly mechanism: Mechanism;
  bind(context: StrategyContext): BoundStrategy;
}
