import { describe, expect, it } from 'vitest';
import type { SharedState } from './types.ts';

/**
 * The conformance suite of {@link SharedState}: memory and Redis pass the same tests.
 *
 * @param name - the implementation's name in the report
 * @param open - opens a fresh state (a unique key prefix is enough)
 */
export function describeSharedStateConformance(name: string, open: () => Promise<SharedState>): void {
  describe(`shared state conformance: ${name}`, () => {
    const withState = async (work: (state: SharedState) => Promise<void>) => {
      const state = await open();
      try {
        await work(state);
      } finally {
        await state.close();
      }
    };

    it('consumeOnce: exactly one of 50 concurrent callers wins, until the TTL ends', () =>
      withState(async (state) => {
        const results = await Promise.all(Array.from({ length: 50 }, () => state.consumeOnce('jti:a', 300)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await state.consumeOnce('jti:b', 300)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 350));
        expect(await state.consumeOnce('jti:a', 300)).toBe(true);
      }));

    it('increment counts every call exactly once, in a window; peek reads without counting', () =>
      withState(async (state) => {
        const counts = await Promise.all(Array.from({ length: 20 }, () => state.increment('fail:x', 400)));
        expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        const peeked = await state.peek('fail:x');
        expect(peeked.count).toBe(20);
        expect(peeked.resetAt).toBeGreaterThan(Date.now());
        expect((await state.peek('fail:none')).count).toBe(0);
        await new Promise((resolve) => setTimeout(resolve, 450));
        expect((await state.peek('fail:x')).count).toBe(0);
        expect((await state.increment('fail:x', 400)).count).toBe(1);
        // Without a promise, when the state can answer at once: the same counter, the same counting.
        if (state.incrementNow) {
          expect(state.incrementNow('fail:x', 400).count).toBe(2);
          expect((await state.peek('fail:x')).count).toBe(2);
        }
      }));

    it('reserve: of 60 concurrent callers at most the limit is granted; exemption and release', () =>
      withState(async (state) => {
        if (!state.reserve || !state.release) return;
        const counters = [
          { key: 'fail:a', limit: 10, windowMs: 5000 },
          { key: 'fail:id', limit: 10, windowMs: 5000, exemptWhile: 'trust:a' },
        ];
        const answers = await Promise.all(Array.from({ length: 60 }, () => state.reserve!(counters)));
        const granted = answers.filter((a) => a.granted);
        expect(granted).toHaveLength(10);
        expect(granted[0]).toEqual({ granted: true, counted: ['fail:a', 'fail:id'] });
        const refused = answers.find((a) => !a.granted);
        expect(refused && !refused.granted && refused.resetAt).toBeGreaterThan(Date.now());
        expect((await state.peek('fail:a')).count).toBe(10);
        await state.release(['fail:a', 'fail:a']);
        expect((await state.peek('fail:a')).count).toBe(8);
        // An exempt counter is neither checked nor counted.
        await state.increment('trust:a', 5000);
        expect(await state.reserve(counters)).toEqual({ granted: true, counted: ['fail:a'] });
        expect((await state.peek('fail:id')).count).toBe(10);
      }));

    it('publishChange reaches every listener', () =>
      withState(async (state) => {
        const seen: string[] = [];
        state.onChange((id) => seen.push(id));
        // Redis subscribes asynchronously (a second connection): on a loaded machine that takes more than 100 ms, so
        // the notice is re-sent until the subscription is up (a notice sent before it is covered by polling).
        for (let i = 0; i < 30 && seen.length === 0; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          await state.publishChange('cred_1');
          for (let j = 0; j < 5 && seen.length === 0; j++)
            await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(seen[0]).toBe('cred_1');
      }));
  });
}
