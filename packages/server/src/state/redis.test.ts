import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { describeSharedStateConformance } from './conformance.ts';
import { RedisSharedState } from './redis.ts';

/** Where the scale-out suites find Redis; they are skipped (and say so) when nothing answers. */
export const REDIS_URL = process.env.PAYAUTH_TEST_REDIS ?? 'redis://127.0.0.1:6379';

async function reachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const available = await reachable();
if (!available) console.warn(`[skip] Redis shared-state conformance: nothing answers at ${REDIS_URL}`);

describe.skipIf(!available)('Redis', () => {
  describeSharedStateConformance('redis', async () => {
    const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, commandTimeout: 2000 });
    await new Promise((resolve) => redis.once('ready', resolve));
    return new RedisSharedState(redis, { prefix: `payauth-test:${randomBytes(4).toString('hex')}:` });
  });
});
