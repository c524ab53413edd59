import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { REDIS_URL, redisReachable } from '../../../../test/support/services.ts';
import { describeSharedStateConformance } from './conformance.ts';
import { RedisSharedState } from './redis.ts';

const available = await redisReachable();
if (!available) console.warn(`[skip] Redis shared-state conformance: nothing answers at ${REDIS_URL}`);

describe.skipIf(!available)('Redis', () => {
  describeSharedStateConformance('redis', async () => {
    const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, commandTimeout: 2000 });
    await new Promise((resolve) => redis.once('ready', resolve));
    return new RedisSharedState(redis, { prefix: `payauth-test:${randomBytes(4).toString('hex')}:` });
  });
});
