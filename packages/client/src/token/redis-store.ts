import { encodeBase64url, InvalidOptionError } from '@payauth/core';
import type { TokenEntry, TokenStore } from './store.ts';

/** The few commands of a Redis client (ioredis's shape) the store uses: pass your own client. */
export interface RedisCommands {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, mode: 'PX', milliseconds: number): Promise<unknown>;
  set(key: string, value: string, mode: 'PX', milliseconds: number, condition: 'NX'): Promise<unknown>;
  eval(script: string, keys: number, ...args: Array<string | number>): Promise<unknown>;
}

const COMPARE_AND_DELETE = `
local value = redis.call('GET', KEYS[1])
if value and string.find(value, ARGV[1], 1, true) then return redis.call('DEL', KEYS[1]) end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A token store shared by a fleet of processes through Redis: one token per credential for all of them, and a lease
 * (SET NX PX with an owner id) so that on expiry exactly one process fetches while the others wait for its result
 * (bounded by the token manager's `leaseWaitMs`; if Redis is down each process falls back to its own single-flight).
 * Tokens are kept with a TTL that ends at their expiry.
 *
 * @example
 * ```ts
 * createClient({ ...wakapay({ apiKey, apiSecret }), tokenStore: new RedisTokenStore(new Redis(url)) })
 * ```
 */
export class RedisTokenStore implements TokenStore {
  readonly #redis: RedisCommands;
  readonly #prefix: string;
  readonly #owner = encodeBase64url(crypto.getRandomValues(new Uint8Array(12)));
  readonly #now: () => number;

  constructor(redis: RedisCommands, options: { prefix?: string; now?: () => number } = {}) {
    if (typeof redis?.get !== 'function' || typeof redis.eval !== 'function') {
      throw new InvalidOptionError('redis', 'a Redis client with get, set and eval (ioredis)');
    }
    this.#redis = redis;
    this.#prefix = options.prefix ?? '';
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<TokenEntry | undefined> {
    const text = await this.#redis.get(`${this.#prefix}${key}`);
    if (text === null) return undefined;
    try {
      const entry = JSON.parse(text) as TokenEntry;
      return typeof entry.token === 'string' && typeof entry.expiresAt === 'number' ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, entry: TokenEntry): Promise<void> {
    const ttl = Math.max(1, Math.floor(entry.expiresAt - this.#now()));
    await this.#redis.set(`${this.#prefix}${key}`, JSON.stringify(entry), 'PX', ttl);
  }

  async delete(key: string, token: string): Promise<void> {
    await this.#redis.eval(COMPARE_AND_DELETE, 1, `${this.#prefix}${key}`, JSON.stringify(token));
  }

  async lease(key: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(`${this.#prefix}${key}:lease`, this.#owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async release(key: string): Promise<void> {
    await this.#redis.eval(RELEASE, 1, `${this.#prefix}${key}:lease`, this.#owner);
  }
}
