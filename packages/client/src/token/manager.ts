import { assertNumber, InvalidOptionError, type Mechanism } from '@payauth/core';
import type { ServerClock } from '../clock.ts';
import { MalformedResponseError } from '../errors.ts';
import { MemoryTokenStore, type TokenEntry, type TokenStore } from './store.ts';

/** What a token endpoint answered. */
export interface FetchedToken {
  readonly token: string;
  readonly expiresIn: number;
}

/** Options of {@link TokenManager}. */
export interface TokenManagerOptions {
  /** The cache key: a hash of every input that changes the token. */
  readonly key: string;
  /** Fetches a new token; `signal` aborts only when the manager is closed. */
  readonly fetchToken: (signal: AbortSignal) => Promise<FetchedToken>;
  readonly clock: ServerClock;
  readonly store?: TokenStore;
  /** Renew this long before expiry (default 60 s, as the WakaPay document asks). */
  readonly renewMarginMs?: number;
  /** Also renew in the background, before expiry, so no request waits (default false). */
  readonly backgroundRefresh?: boolean;
  /** With a store that leases: how long to wait for another process's token (default 10 s). */
  readonly leaseWaitMs?: number;
  /** The mechanism whose tokens these are, named in errors (default `api-key`). */
  readonly mechanism?: Mechanism;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The token cache shared by the `app-token`, `private-key-jwt` and `api-key` strategies.
 *
 * - Renews `renewMarginMs` before expiry (on use, and optionally in the background).
 * - Single-flight: any number of concurrent callers on a cold or expiring cache cause exactly one token request;
 *   each caller may abort its own wait with its `AbortSignal` without cancelling the refresh the others wait for.
 * - `invalidate(token)` drops the token only when it is still the cached one: a straggler's 401 with an older token
 *   does not cause a second refresh.
 * - Expiry is computed on the server's clock ({@link ServerClock}).
 *
 * @example
 * ```ts
 * const manager = new TokenManager({ key, clock, fetchToken: async () => ({ token, expiresIn: 3600 }) })
 * const token = await manager.getToken()
 * ```
 */
export class TokenManager {
  readonly #options: TokenManagerOptions;
  readonly #store: TokenStore;
  readonly #margin: number;
  readonly #closing = new AbortController();
  #local: TokenEntry | undefined;
  #inflight: Promise<TokenEntry> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** How many token requests this manager made. */
  requests = 0;

  constructor(options: TokenManagerOptions) {
    if (typeof options.fetchToken !== 'function') throw new InvalidOptionError('fetchToken', 'a function');
    if (typeof options.key !== 'string' || options.key.length === 0)
      throw new InvalidOptionError('key', 'a non-empty string');
    this.#margin = options.renewMarginMs ?? 60_000;
    assertNumber(this.#margin, 'renewMarginMs', 0, 86_400_000);
    this.#options = options;
    this.#store = options.store ?? new MemoryTokenStore();
  }

  #fresh(entry: TokenEntry | undefined): entry is TokenEntry {
    return entry !== undefined && this.#options.clock.now() < entry.expiresAt - this.#margin;
  }

  /** The cached token if it is fresh, without any request. */
  peek(): string | undefined {
    return this.#fresh(this.#local) ? this.#local.token : undefined;
  }

  /** A fresh token: from the cache, or from the one refresh in flight, or from a new request. */
  async getToken(signal?: AbortSignal): Promise<string> {
    if (this.#fresh(this.#local)) return this.#local.token;
    this.#inflight ??= this.#refresh().finally(() => {
      this.#inflight = undefined;
    });
    return (await raceAbort(this.#inflight, signal)).token;
  }

  /** `replacing`: the token a background refresh replaces (a shared copy of it does not count as fresh). */
  async #refresh(replacing?: string): Promise<TokenEntry> {
    // A shared store that is down must not stop this process: it falls back to its own single-flight.
    const shared = await Promise.resolve()
      .then(() => this.#store.get(this.#options.key))
      .catch(() => undefined);
    if (this.#fresh(shared) && shared.token !== replacing) return this.#keep(shared);
    if (this.#store.lease) return this.#refreshWithLease(replacing);
    return this.#keep(await this.#fetch(), true);
  }

  async #refreshWithLease(replacing?: string): Promise<TokenEntry> {
    const store = this.#store;
    const deadline = Date.now() + (this.#options.leaseWaitMs ?? 10_000);
    for (;;) {
      let leased = false;
      try {
        leased = await store.lease!(this.#options.key, 15_000);
      } catch {
        // The shared store is down: fall back to this process's own single-flight.
        return this.#keep(await this.#fetch(), true);
      }
      if (leased) {
        try {
          const again = await store.get(this.#options.key);
          if (this.#fresh(again) && again.token !== replacing) return this.#keep(again);
          return this.#keep(await this.#fetch(), true);
        } finally {
          await store.release?.(this.#options.key).catch(() => {});
        }
      }
      await sleep(25);
      const shared = await Promise.resolve(store.get(this.#options.key)).catch(() => undefined);
      if (this.#fresh(shared) && shared.token !== replacing) return this.#keep(shared);
      if (Date.now() > deadline) return this.#keep(await this.#fetch(), true);
    }
  }

  async #fetch(): Promise<TokenEntry> {
    this.requests++;
    const fetched = await this.#options.fetchToken(this.#closing.signal);
    if (typeof fetched.token !== 'string' || fetched.token.length === 0 || !(fetched.expiresIn > 0)) {
      // A typed error, given up on at once (the rehearsal's malformed-token): never cached, never retried.
      throw new MalformedResponseError(
        {
          status: 200,
          mechanism: this.#options.mechanism ?? 'api-key',
          providerMessage: 'the token endpoint answered without a token or a positive lifetime',
        },
        '',
      );
    }
    return { token: fetched.token, expiresAt: this.#options.clock.now() + fetched.expiresIn * 1000 };
  }

  async #keep(entry: TokenEntry, publish = false): Promise<TokenEntry> {
    this.#local = entry;
    if (publish) await Promise.resolve(this.#store.set(this.#options.key, entry)).catch(() => {});
    this.#schedule(entry);
    return entry;
  }

  #schedule(entry: TokenEntry): void {
    if (!this.#options.backgroundRefresh || this.#closing.signal.aborted) return;
    clearTimeout(this.#timer);
    const delay = Math.max(1000, entry.expiresAt - this.#margin - this.#options.clock.now() - 1000);
    this.#timer = setTimeout(() => {
      // The current token stays in use until the new one arrives: callers never wait for a background refresh.
      this.#inflight ??= this.#refresh(entry.token).finally(() => {
        this.#inflight = undefined;
      });
      this.#inflight.catch(() => {});
    }, delay);
    this.#timer.unref();
  }

  /**
   * Drops `token` if it is still the cached one and says so (then a retry with a fresh token makes sense). A token
   * that was already replaced is left alone: returns false.
   */
  async invalidate(token: string): Promise<boolean> {
    if (this.#local?.token !== token) return false;
    this.#local = undefined;
    await Promise.resolve(this.#store.delete(this.#options.key, token)).catch(() => {});
    return true;
  }

  /** Stops background refresh and aborts a token request in flight. */
  close(): void {
    clearTimeout(this.#timer);
    this.#closing.abort(new Error('token manager closed'));
  }
}
