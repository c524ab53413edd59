import { describe, expect, it } from 'vitest';
import { ReplayStoreFullError } from '../store/errors.ts';
import { describeSharedStateConformance } from './conformance.ts';
import { MemorySharedState } from './memory.ts';

describeSharedStateConformance('memory', async () => new MemorySharedState());

describe('memory state limits', () => {
  it('past maxCounters, failure counters are forgotten before trust marks', async () => {
    const state = new MemorySharedState({ maxCounters: 3 });
    await state.increment('trust:id:10.0.0.1', 60_000);
    for (let i = 0; i < 10; i++) await state.increment(`fail:addr:10.0.1.${i}`, 60_000);
    expect(state.peekNow('trust:id:10.0.0.1').count).toBe(1);
    expect(state.size).toBe(3);
    await state.close();
  });

  it('past maxReplayRecords, consumeOnce refuses with ReplayStoreFullError (a 503), and forgets nothing', async () => {
    const state = new MemorySharedState({ maxReplayRecords: 2 });
    expect(await state.consumeOnce('a', 60_000)).toBe(true);
    expect(await state.consumeOnce('b', 60_000)).toBe(true);
    await expect(state.consumeOnce('c', 60_000)).rejects.toBeInstanceOf(ReplayStoreFullError);
    expect(await state.consumeOnce('a', 60_000)).toBe(false);
    await state.close();
  });
});
