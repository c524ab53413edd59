import { InvalidOptionError } from '@payauth/core';
import type { Redis } from 'ioredis';
import { MemorySharedState } from './memory.ts';
import type { SharedState } from './types.ts';

/**
 * Connects the Redis shared state for a `redis://` URL (ioredis is loaded only then), configured to fail fast while
 * Redis is down (no offline queue, 1 s command timeout), to reconnect by itself and to pipeline the commands of
 * concurrent requests (ioredis's auto-pipelining). A Redis client you manage may be
 * passed instead of the URL.
 *
 * @example
 * ```ts
 * const state = await openSharedState('redis://127.0.0.1:6379', 'payauth:')
 * ```
 */
export async function openSharedState(connection: string | Redis, prefix = 'payauth:'): Promise<SharedState> {
  const { RedisSharedState } = await import('./redis.ts');
  if (typeof connection !== 'string') return new RedisSharedState(connection, { prefix });
  if (!/^rediss?:\/\//.test(connection)) throw new InvalidOptionError('redis', 'a redis:// or rediss:// URL');
  const { Redis: RedisClient } = await import('ioredis');
  const redis = new RedisClient(connection, {
    enableOfflineQueue: false,
    commandTimeout: 1000,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(1000, 50 * attempt),
    lazyConnect: true,
    // Commands issued while one batch is on the wire go out together as the next one (a budget reservation per
    // guarded request: under load, one write and one read for many requests).
    enableAutoPipelining: true,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    throw new InvalidOptionError(
      'redis',
      `a reachable Redis (${connection.replace(/\/\/[^@]*@/, '//')} is not)`,
    );
  }
  return new RedisSharedState(redis, { prefix });
}

/** Which shared state: in-process `memory` (one instance), or `postgres` (several, without Redis). */
export type StateKind = 'memory' | 'postgres';

/** What {@link openConfiguredState} reads: `createPayauth`'s `store`, `redis`, `redisPrefix` and `state` options. */
export interface StateChoice {
  readonly store: string | object;
  readonly redis?: string | Redis | SharedState;
  readonly redisPrefix?: string;
  readonly state?: StateKind | SharedState;
  readonly now?: () => number;
}

/**
 * Opens the shared state `createPayauth` was configured for, and says whether payauth owns it (closes it):
 * - a {@link SharedState} given as `state` or `redis`: as it is (the caller closes it);
 * - `redis`: the Redis state;
 * - `state: 'postgres'`, or nothing with a `postgres://` store: the PostgreSQL state in the store's database (`pg`
 *   loads only then), so several instances on one database are never silently apart;
 * - else (`state: 'memory'`, or a SQLite or memory store): in-process memory.
 *
 * @example
 * ```ts
 * const { state } = await openConfiguredState({ store: 'postgres://payauth@db/payauth' }) // PostgreSQL state
 * ```
 */
export async function openConfiguredState(
  choice: StateChoice,
): Promise<{ state: SharedState; owned: boolean }> {
  const { redis, state } = choice;
  if (state !== undefined && typeof state === 'object') {
    if (redis !== undefined) throw new InvalidOptionError('state', 'not given together with redis');
    return { state, owned: false };
  }
  if (state !== undefined && state !== 'memory' && state !== 'postgres') {
    throw new InvalidOptionError('state', "'memory', 'postgres' or a SharedState");
  }
  if (redis !== undefined) {
    if (state !== undefined) {
      throw new InvalidOptionError(
        'state',
        `not given together with redis (one shared state: ${state} or Redis)`,
      );
    }
    if (typeof redis === 'object' && 'consumeOnce' in redis) return { state: redis, owned: false };
    return { state: await openSharedState(redis, choice.redisPrefix), owned: typeof redis === 'string' };
  }
  const postgresStore = typeof choice.store === 'string' && /^postgres(ql)?:\/\//.test(choice.store);
  if (state === 'postgres' || (state === undefined && postgresStore)) {
    if (!postgresStore) {
      throw new InvalidOptionError(
        'state',
        "'postgres' only with a postgres:// store (or pass a SharedState)",
      );
    }
    const { PostgresSharedState } = await import('./postgres.ts');
    return { state: await PostgresSharedState.open(choice.store as string), owned: true };
  }
  return { state: new MemorySharedState(choice.now ? { now: choice.now } : {}), owned: true };
}
