import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, needPostgres } from '../../../../test/support/services.ts';
import { describeSharedStateConformance } from './conformance.ts';
import { PostgresSharedState } from './postgres.ts';

const available = await needPostgres('PostgreSQL shared-state conformance');

describe.skipIf(!available)('PostgreSQL', () => {
  let database: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    database = await createDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  describeSharedStateConformance('postgres', () =>
    PostgresSharedState.open(database.url, { prefix: `${randomBytes(4).toString('hex')}:` }),
  );

  it('instances starting together create the tables once; a second open changes nothing', async () => {
    const states = await Promise.all(
      Array.from({ length: 3 }, () => PostgresSharedState.open(database.url, { prefix: 'setup:' })),
    );
    expect(await states[0]!.consumeOnce('k', 60_000)).toBe(true);
    expect(await states[1]!.consumeOnce('k', 60_000)).toBe(false);
    await Promise.all(states.map((state) => state.close()));
  });

  it('three instances reserving overlapping counters in any order: no deadlock, no error, the limit holds', async () => {
    const states = await Promise.all(
      Array.from({ length: 3 }, () => PostgresSharedState.open(database.url, { prefix: 'overlap:' })),
    );
    try {
      const shared = { key: 'fail:addr', limit: 20, windowMs: 60_000 };
      const answers = await Promise.all(
        Array.from({ length: 150 }, (_, i) => {
          const own = { key: `fail:cred:${i % 7}`, limit: 1000, windowMs: 60_000 };
          const id = { key: 'fail:id', limit: 1000, windowMs: 60_000, exemptWhile: 'trust:x' };
          // Counters named in different orders, released while others reserve: locks are taken in key order.
          const counters = i % 2 === 0 ? [shared, own, id] : [id, own, shared];
          return states[i % 3]!.reserve(counters).then(async (answer) => {
            if (i % 5 === 0) await states[(i + 1) % 3]!.release([own.key, id.key]);
            return answer;
          });
        }),
      );
      expect(answers.filter((answer) => answer.granted)).toHaveLength(20);
    } finally {
      await Promise.all(states.map((state) => state.close()));
    }
  });

  it("a success's release is applied before the reservations that follow it: in-flight counts never pile up", async () => {
    const state = await PostgresSharedState.open(database.url, { prefix: 'order:' });
    // The releases are not awaited in the loop, but before the state closes: one still on the wire would otherwise
    // fail on the ended pool, unhandled.
    const releases: Promise<void>[] = [];
    try {
      const counters = [{ key: 'fail:addr', limit: 25, windowMs: 60_000 }];
      // 20 clients, each sending its next request as soon as the last one succeeded (its release not awaited, as the
      // failure budget does): at most 20 attempts are ever in flight, under the limit of 25.
      const refusals = await Promise.all(
        Array.from({ length: 20 }, async () => {
          let refused = 0;
          for (let i = 0; i < 15; i++) {
            const answer = await state.reserve(counters);
            if (answer.granted) releases.push(state.release(answer.counted));
            else refused++;
          }
          return refused;
        }),
      );
      expect(refusals.reduce((sum, each) => sum + each, 0)).toBe(0);
    } finally {
      await Promise.allSettled(releases);
      await state.close();
    }
  });

  it('the sweep deletes expired rows through the expiry index, never by scanning the table', async () => {
    const state = await PostgresSharedState.open(database.url, { prefix: 'sweep:', sweepIntervalMs: 0 });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      for (let i = 0; i < 20; i++) await state.consumeOnce(`old-${i}`, 1);
      await state.increment('old-counter', 1);
      await state.consumeOnce('live', 60_000);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await state.sweep()).toBeGreaterThanOrEqual(21);
      const left = await client.query("SELECT key FROM payauth_state_once WHERE key LIKE 'sweep:%'");
      expect(left.rows).toEqual([{ key: 'sweep:live' }]);
      // The plan of the sweep's row search uses the expiry index (with sequential scans turned off, as the planner
      // would choose on a large table).
      await client.query('SET enable_seqscan = off');
      const plan = await client.query(
        'EXPLAIN SELECT ctid FROM payauth_state_once WHERE expires_at < 1 ORDER BY expires_at LIMIT 5000',
      );
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('payauth_state_once_expiry');
    } finally {
      await client.end();
      await state.close();
    }
  });

  it('a cut connection is a StoreUnavailableError (503), never a verdict', async () => {
    const state = await PostgresSharedState.open('postgres://postgres@127.0.0.1:1/postgres').catch(
      (error: unknown) => error,
    );
    expect(state).toBeInstanceOf(Error);
    const unreachable = new PostgresSharedState('postgres://postgres@127.0.0.1:1/postgres');
    await expect(unreachable.consumeOnce('x', 1000)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    await expect(unreachable.reserve([{ key: 'fail:a', limit: 1, windowMs: 1000 }])).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
    });
    await unreachable.close();
  });
});
