import { hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../store/errors.ts';
import type { BudgetCounter, Reservation, SharedState } from './types.ts';

const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {count, ttl}`;

const PEEK = `
local count = redis.call('GET', KEYS[1])
if not count then return {0, 0} end
return {tonumber(count), redis.call('PTTL', KEYS[1])}`;

// KEYS: n counters, then n exemption keys (an absent exemption is the counter's own key with ARGV flag 0).
// ARGV: n, then n limits, n windows, n flags (1: the counter has an exemption key). Checks every counter, then
// counts every one or none: one script, so concurrent callers on any instance cannot all pass the check first.
const RESERVE = `
local n = tonumber(ARGV[1])
local resetAt = 0
local active = {}
for i = 1, n do
  if ARGV[1 + 2 * n + i] == '0' or redis.call('EXISTS', KEYS[n + i]) == 0 then
    active[#active + 1] = i
    local count = tonumber(redis.call('GET', KEYS[i]) or '0')
    if count >= tonumber(ARGV[1 + i]) then
      local ttl = redis.call('PTTL', KEYS[i])
      if ttl < 1 then ttl = 1000 end
      if ttl > resetAt then resetAt = ttl end
    end
  end
end
if resetAt > 0 then return {0, resetAt} end
local counted = {1, 0}
for _, i in ipairs(active) do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1 + n + i]) end
  counted[#counted + 1] = i
end
return counted`;

const RELEASE = `
for i = 1, #KEYS do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count > 0 then redis.call('DECR', KEYS[i]) end
end
return 0`;

/** A Lua script and its SHA-1, the name Redis keeps it under once it has run (`SCRIPT LOAD`, or a first `EVAL`). */
interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

const script = (source: string): LuaScript => ({ source, sha: hash('sha1', source, 'hex') });
const SCRIPTS = {
  increment: script(INCREMENT),
  peek: script(PEEK),
  reserve: script(RESERVE),
  release: script(RELEASE),
} as const;

/** True for Redis's answer to an `EVALSHA` of a script it does not hold (after a restart or a `SCRIPT FLUSH`). */
const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith('NOSCRIPT');

/**
 * Shared state on Redis, for several instances. The caller passes its own client (ioredis), configured to fail fast
 * when Redis is down (`enableOfflineQueue: false`, a `commandTimeout`), so that requests that need the state get a
 * 503 instead of waiting; a second connection, duplicated from it, carries the change notices.
 *
 * - `consumeOnce`: `SET key 1 NX PX ttl` — exactly one caller, in any instance, gets true.
 * - `increment`: INCR + PEXPIRE (on the first increment) + PTTL in one Lua script.
 * - `reserve`: check every budget counter and count them all (or none) in one Lua script; `release`: DECR.
 * - `publishChange`/`onChange`: PUBLISH/SUBSCRIBE on `<prefix>changes`.
 *
 * Scripts are sent by their SHA-1 (`EVALSHA`, a few bytes and no hashing on Redis's side), and in full only when Redis
 * answers `NOSCRIPT` (a restarted or flushed server): the full `EVAL` then loads it for the next calls.
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

  /** Runs a script by its SHA-1, or by its source when Redis does not hold it yet. */
  async #evaluate(script: LuaScript, keys: number, ...args: Array<string | number>): Promise<unknown> {
    try {
      return await this.#redis.evalsha(script.sha, keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return await this.#redis.eval(script.source, keys, ...args);
    }
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
      const [count, ttl] = (await this.#evaluate(
        SCRIPTS.increment,
        1,
        `${this.#prefix}count:${key}`,
        Math.max(1, Math.ceil(ttlMs)),
      )) as [number, number];
      return { count, resetAt: this.#now() + Math.max(0, ttl) };
    });
  }

  peek(key: string): Promise<{ count: number; resetAt: number }> {
    return this.#run(async () => {
      const [count, ttl] = (await this.#evaluate(SCRIPTS.peek, 1, `${this.#prefix}count:${key}`)) as [
        number,
        number,
      ];
      return { count, resetAt: count === 0 ? 0 : this.#now() + Math.max(0, ttl) };
    });
  }

  reserve(counters: readonly BudgetCounter[]): Promise<Reservation> {
    return this.#run(async () => {
      const n = counters.length;
      const keys = counters.map((c) => `${this.#prefix}count:${c.key}`);
      const exemptions = counters.map((c, i) =>
        c.exemptWhile === undefined ? keys[i]! : `${this.#prefix}count:${c.exemptWhile}`,
      );
      const answer = (await this.#evaluate(
        SCRIPTS.reserve,
        2 * n,
        ...keys,
        ...exemptions,
        n,
        ...counters.map((c) => c.limit),
        ...counters.map((c) => Math.max(1, Math.ceil(c.windowMs))),
        ...counters.map((c) => (c.exemptWhile === undefined ? '0' : '1')),
      )) as number[];
      if (answer[0] !== 1) return { granted: false, resetAt: this.#now() + Math.max(0, answer[1] ?? 0) };
      return { granted: true, counted: answer.slice(2).map((index) => counters[index - 1]!.key) };
    });
  }

  release(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return this.#run(async () => {
      await this.#evaluate(SCRIPTS.release, keys.length, ...keys.map((key) => `${this.#prefix}count:${key}`));
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
