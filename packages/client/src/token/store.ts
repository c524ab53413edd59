/** A cached token and when it expires (server time, ms). */
export interface TokenEntry {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * Where tokens are cached, by a key that hashes every input that changes the token. Memory by default; a Redis store
 * shares one token across a fleet of processes.
 *
 * Contract:
 * - `delete(key, token)` removes the entry only when it still holds `token` (compare-and-delete), so a process that
 *   saw a 401 with an old token cannot drop a newer one;
 * - `lease`/`release` are optional: a store that has them lets exactly one process at a time fetch a token for a
 *   key (`lease` true for one caller until `release` or `ttlMs`), the others wait for `get` to show the result.
 */
export interface TokenStore {
  get(key: string): Promise<TokenEntry | undefined> | TokenEntry | undefined;
  set(key: string, entry: TokenEntry): Promise<void> | void;
  delete(key: string, token: string): Promise<void> | void;
  lease?(key: string, ttlMs: number): Promise<boolean>;
  release?(key: string): Promise<void>;
}

/**
 * The default token store: a Map in this process.
 *
 * @example
 * ```ts
 * const store = new MemoryTokenStore()
 * ```
 */
export class MemoryTokenStore implements TokenStore {
  readonly #entries = new Map<string, TokenEntry>();

  get(key: string): TokenEntry | undefined {
    return this.#entries.get(key);
  }

  set(key: string, entry: TokenEntry): void {
    this.#entries.set(key, entry);
  }

  delete(key: string, token: string): void {
    if (this.#entries.get(key)?.token === token) this.#entries.delete(key);
  }
}
