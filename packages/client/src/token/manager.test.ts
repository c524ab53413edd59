import { describe, expect, it } from 'vitest';
import { ServerClock } from '../clock.ts';
import { TokenManager } from './manager.ts';
import { MemoryTokenStore } from './store.ts';

function manual(start = 1_000_000) {
  let now = start;
  return { clock: new ServerClock({ local: () => now }), advance: (ms: number) => (now += ms) };
}

describe('TokenManager', () => {
  it('checks its options at construction', () => {
    const { clock } = manual();
    expect(
      () => new TokenManager({ key: '', clock, fetchToken: async () => ({ token: 't', expiresIn: 1 }) }),
    ).toThrow(/key/);
    expect(() => new TokenManager({ key: 'k', clock, fetchToken: 'x' as never })).toThrow(/fetchToken/);
    expect(
      () =>
        new TokenManager({
          key: 'k',
          clock,
          renewMarginMs: -1,
          fetchToken: async () => ({ token: 't', expiresIn: 1 }),
        }),
    ).toThrow(/renewMarginMs/);
  });

  it('renews 60 s before expiry by default, on the server clock', async () => {
    const { clock, advance } = manual();
    let n = 0;
    const manager = new TokenManager({
      key: 'k',
      clock,
      fetchToken: async () => ({ token: `t${++n}`, expiresIn: 3600 }),
    });
    expect(await manager.getToken()).toBe('t1');
    advance(3600_000 - 60_001);
    expect(await manager.getToken()).toBe('t1');
    advance(2);
    expect(await manager.getToken()).toBe('t2');
    expect(manager.requests).toBe(2);
  });

  it('single-flight: 1,000 concurrent callers, one request; a failed refresh is shared and not cached', async () => {
    const { clock } = manual();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const manager = new TokenManager({
      key: 'k',
      clock,
      fetchToken: async () => {
        calls++;
        await gate;
        if (calls === 1) throw new Error('endpoint down');
        return { token: 'ok', expiresIn: 3600 };
      },
    });
    const waiting = Array.from({ length: 1000 }, () => manager.getToken().catch((e: Error) => e.message));
    release();
    expect(new Set(await Promise.all(waiting))).toEqual(new Set(['endpoint down']));
    expect(calls).toBe(1);
    expect(await manager.getToken()).toBe('ok');
    expect(calls).toBe(2);
  });

  it('invalidate drops only the cached token (compare-and-delete)', async () => {
    const { clock } = manual();
    let n = 0;
    const store = new MemoryTokenStore();
    const manager = new TokenManager({
      key: 'k',
      clock,
      store,
      fetchToken: async () => ({ token: `t${++n}`, expiresIn: 3600 }),
    });
    await manager.getToken();
    expect(await manager.invalidate('t1')).toBe(true);
    expect(await manager.getToken()).toBe('t2');
    expect(await manager.invalidate('t1')).toBe(false);
    expect(await manager.getToken()).toBe('t2');
    expect(manager.requests).toBe(2);
    expect(store.get('k')?.token).toBe('t2');
  });

  it('a second manager on the same store reuses the token', async () => {
    const { clock } = manual();
    const store = new MemoryTokenStore();
    const fetchToken = async () => ({ token: 'shared', expiresIn: 3600 });
    const a = new TokenManager({ key: 'k', clock, store, fetchToken });
    const b = new TokenManager({ key: 'k', clock, store, fetchToken });
    await a.getToken();
    expect(await b.getToken()).toBe('shared');
    expect(b.requests).toBe(0);
  });

  it('refuses an answer without a token or lifetime', async () => {
    const { clock } = manual();
    const manager = new TokenManager({
      key: 'k',
      clock,
      fetchToken: async () => ({ token: '', expiresIn: 3600 }),
    });
    await expect(manager.getToken()).rejects.toThrow(/without a token/);
  });
});

describe('ServerClock', () => {
  const response = (date: string | null, age?: string) => {
    const headers = new Headers();
    if (date) headers.set('date', date);
    if (age) headers.set('age', age);
    return { headers, status: 200 };
  };
  it('learns an offset past the threshold, ignores jitter and cached answers', () => {
    const local = Date.UTC(2026, 0, 1, 12, 0, 0);
    const clock = new ServerClock({ local: () => local });
    expect(clock.observe(response(new Date(local + 2000).toUTCString()))).toBe(false);
    expect(clock.offsetMs).toBe(0);
    expect(clock.observe(response(new Date(local + 600_000).toUTCString(), '30'))).toBe(false);
    expect(clock.observe(response(new Date(local + 600_000).toUTCString()))).toBe(true);
    expect(Math.abs(clock.offsetMs - 600_000)).toBeLessThanOrEqual(1000);
    expect(clock.observe(response('not a date'))).toBe(false);
    expect(clock.observe(response(new Date(local).toUTCString()))).toBe(true);
    expect(clock.offsetMs).toBe(0);
  });
});

describe('TokenManager with a shared store that fails', () => {
  it('falls back to its own single-flight when the store throws', async () => {
    const clock = new ServerClock();
    const broken = {
      get: async () => {
        throw new Error('redis down');
      },
      set: async () => {
        throw new Error('redis down');
      },
      delete: async () => {},
      lease: async () => {
        throw new Error('redis down');
      },
    };
    let calls = 0;
    const manager = new TokenManager({
      key: 'k',
      clock,
      store: broken,
      fetchToken: async () => ({ token: `t${++calls}`, expiresIn: 3600 }),
    });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => manager.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['t1']));
    expect(calls).toBe(1);
  });
});
