import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../store/errors.ts';
import type { SharedState } from './types.ts';

const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {count, ttl}`;

const PEEK = `
local count = redis.call('GET', KEYS[1])
if not count then return {0, 0} end
return {tonumber(count), redis.call('PTTL', KEYS[1])}`;

/**
 * Shared state on Redis, for several instances. The caller passes its own client (ioredis), configured to fail fast
 * when Redis is down (`enableOfflineQueue: false`, a `commandTimeout`), so that requests that need the state get a
 * 503 instead of waiting; a second connection, duplicated from it, carries the change notices.
 *
 * - `consumeOnce`: `SET key 1 NX PX ttl` — exactly one caller, in any instance, gets true.
 * - `increment`: INCR + PEXPIRE (on the first increment) + PTTL in one Lua script.
 * - `publishChange`/`onChange`: PUBLISH/SUBSCRIBE on `<prefix>changes`.
 *
 * @example
 * ```ts
 * const state = new RedisSharedState(new Redis('redis://127.0.0.1:6379', { enableOfflineQueue: false }))
 * ```
 */
export class RedisSharedState implements SharedState {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #listeners = new Set<(credentialId: string) => void>();
  #subscriber: Redis | undefined;
  readonly #now: () => number;

  constructor(redis: Redis, options: { prefix?: string; now?: () => number } = {}) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? 'payauth:';
    this.#now = options.now ?? Date.now;
    this.#redis.on('error', () => {});
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new StoreUnavailableError('the Redis shared state is unreachable', { cause: error });
    }
  }

  consumeOnce(key: string, ttlMs: number): Promise<boolean> {
    return this.#run(
      async () =>
        (await this.#redis.set(
          `${this.#prefix}once:${key}`,
          '1',
          'PX',
          Math.max(1, Math.ceil(ttlMs)),
          'NX',
        )) === 'OK',
    );
  }

  increment(key: string, ttlMs: number): Promise<{ count: number; resetAt: number }> {
    return this.#run(async () => {
      const [count, ttl] = (await this.#redis.eval(
        INCREMENT,
        1,
        `${this.#prefix}count:${key}`,
        Math.max(1, Math.ceil(ttlMs)),
      )) as [number, number];
      return { count, resetAt: this.#now() + Math.max(0, ttl) };
    });
  }

  peek(key: string): Promise<{ count: number; resetAt: number }> {
    return this.#run(async () => {
      const [count, ttl] = (await this.#redis.eval(PEEK, 1, `${this.#prefix}count:${key}`)) as [
        number,
        number,
      ];
      return { count, resetAt: count === 0 ? 0 : this.#now() + Math.max(0, ttl) };
    });
  }

  publishChange(credentialId: string): Promise<void> {
    return this.#run(async () => {
      await this.#redis.publish(`${this.#prefix}changes`, credentialId);
    });
  }

  onChange(listener: (credentialId: string) => void): () => void {
    this.#listeners.add(listener);
    if (!this.#subscriber) {
      const subscriber = this.#redis.duplicate({ enableOfflineQueue: true });
      subscriber.on('error', () => {});
      subscriber.on('message', (_channel: string, message: string) => {
        for (const each of this.#listeners) each(message);
      });
      // After a reconnect, ioredis re-subscribes by itself; a notice sent while disconnected is covered by polling.
      void subscriber.subscribe(`${this.#prefix}changes`).catch(() => {});
      this.#subscriber = subscriber;
    }
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#subscriber?.disconnect();
    this.#redis.disconnect();
  }
}
