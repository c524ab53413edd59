import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextOf } from '../../packages/server/src/payauth.ts';
import { ROOT, startTestServer, type TestServer } from '../support/servers.ts';
import { needRedis, REDIS_URL } from '../support/services.ts';

// Eight client processes share one credential through a Redis token store: cold, exactly one token request; after
// the token expires, exactly one more. Counted at the server.
const run = promisify(execFile);
const ready = await needRedis('fleet suite');

describe.skipIf(!ready)('a fleet of 8 processes sharing a Redis token store', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { apiKey: { lifetimeSeconds: 4 } } });
  });
  afterAll(() => t.close());

  it('makes one token request when cold and one per expiry', async () => {
    const count = async () =>
      (await contextOf(t.server.payauth).store.listAudit({ limit: 10_000 }))
        .filter((e) => e.mechanism === 'api-key' && e.outcome === 'success')
        .reduce((sum, e) => sum + (e.count ?? 1), 0);
    await t.server.payauth.audit.flush();
    const before = await count();
    const prefix = `payauth-test:${randomBytes(4).toString('hex')}:`;
    // Moments: a cold start, a cached call, and one after the 4 s token (renewed 1 s early) has expired.
    // Eight Node processes must be up before the first moment: several seconds on a loaded 2-core machine.
    const start = Date.now() + 10_000;
    const moments = [start, start + 500, start + 4200].map(String);
    const workers = Array.from({ length: 8 }, () =>
      run(
        process.execPath,
        [
          `${ROOT}test/support/fleet-worker.ts`,
          t.url,
          REDIS_URL,
          prefix,
          t.demo['api-key'].apiKey,
          t.demo['api-key'].apiSecret,
          ...moments,
        ],
        {
          cwd: ROOT,
        },
      ),
    );
    const results = (await Promise.all(workers)).map(
      (r) => JSON.parse(r.stdout) as { statuses: number[]; tokenRequests: number },
    );
    expect(results.every((r) => r.statuses.every((s) => s === 200))).toBe(true);
    const total = results.reduce((sum, r) => sum + r.tokenRequests, 0);
    await t.server.payauth.audit.flush();
    const atServer = (await count()) - before;
    console.info(`fleet of 8: ${atServer} token requests at the server over one cold start and one expiry`);
    expect(total).toBe(2);
    expect(atServer).toBe(2);
  }, 60_000);
});
