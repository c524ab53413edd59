import { InvalidOptionError } from '@payauth/core';
import type { Redis } from 'ioredis';
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
