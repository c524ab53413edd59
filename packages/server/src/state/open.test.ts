import { describe, expect, it } from 'vitest';
import { createDatabase, POSTGRES_URL, postgresReachable } from '../../../../test/support/services.ts';
import { MemorySharedState } from './memory.ts';
import { openConfiguredState } from './open.ts';

const postgresUp = await postgresReachable();

describe('openConfiguredState: which shared state createPayauth opens', () => {
  it('memory for a SQLite or memory store, and when asked', async () => {
    for (const choice of [{ store: ':memory:' }, { store: POSTGRES_URL, state: 'memory' as const }]) {
      const { state, owned } = await openConfiguredState(choice);
      expect(state).toBeInstanceOf(MemorySharedState);
      expect(owned).toBe(true);
      await state.close();
    }
  });

  it('a state object as it is, not owned', async () => {
    const mine = new MemorySharedState();
    expect(await openConfiguredState({ store: ':memory:', state: mine })).toEqual({
      state: mine,
      owned: false,
    });
    expect(await openConfiguredState({ store: ':memory:', redis: mine })).toEqual({
      state: mine,
      owned: false,
    });
    await mine.close();
  });

  it('refuses two shared states, postgres without a postgres:// store, and unknown kinds', async () => {
    await expect(openConfiguredState({ store: ':memory:', state: 'postgres' })).rejects.toThrow(/state/);
    await expect(
      openConfiguredState({ store: POSTGRES_URL, state: 'postgres', redis: 'redis://127.0.0.1:6379' }),
    ).rejects.toThrow(/together with redis/);
    await expect(
      openConfiguredState({ store: ':memory:', state: 'disk' as unknown as 'memory' }),
    ).rejects.toThrow(/'memory', 'postgres'/);
  });

  it.skipIf(!postgresUp)(
    'the PostgreSQL state by default for a postgres:// store without redis',
    async () => {
      const database = await createDatabase();
      try {
        const { state, owned } = await openConfiguredState({ store: database.url });
        expect(state.constructor.name).toBe('PostgresSharedState');
        expect(owned).toBe(true);
        await state.close();
      } finally {
        await database.drop();
      }
    },
  );
});
