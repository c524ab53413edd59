import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { needRedis, REDIS_URL } from '../../../../test/support/services.ts';
import { describeSharedStateConformance } from './conformance.ts';
import { RedisSharedState } from './redis.ts';

const available = await needRedis('Redis shared-state conformance');

describe.skipIf(!available)('Redis', () => {
  describeSharedStateConformance('redis', async () => {
    const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, commandTimeout: 2000 });
    await new Promise((resolve) => redis.once('ready', resolve));
    return new RedisSharedState(redis, { prefix: `payauth-test:${randomBytes(4).toString('hex')}:` });
  });

  it('sends scripts by their SHA-1, and in full only to a server that does not hold them (after SCRIPT FLUSH)', async () => {
    const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, commandTimeout: 2000 });
    await new Promise((resolve) => redis.once('ready', resolve));
    const state = new RedisSharedState(redis, { prefix: `payauth-test:${randomBytes(4).toString('hex')}:` });
    try {
      const full = vi.spyOn(redis, 'eval');
      const bySha = vi.spyOn(redis, 'evalsha');
      await redis.script('FLUSH');
      expect((await state.increment('fail:a', 60_000)).count).toBe(1);
      expect(full).toHaveBeenCalledTimes(1); // NOSCRIPT, then the source: now Redis holds it
      const counters = [{ key: 'fail:a', limit: 5, windowMs: 60_000 }];
      for (let i = 0; i < 3; i++) expect(await state.reserve(counters)).toMatchObject({ granted: true });
      await state.release(['fail:a']);
      expect((await state.peek('fail:a')).count).toBe(3);
      expect((await state.increment('fail:a', 60_000)).count).toBe(4);
      // Each script in full once (increment, reserve, release, peek), every later call by SHA-1 alone.
      expect(full).toHaveBeenCalledTimes(4);
      expect(bySha.mock.calls.length).toBe(7);
    } finally {
      await state.close();
    }
  });
});
