import { describe, expect, it } from 'vitest';
import { MemorySharedState } from '../state/memory.ts';
import { MemoryStore } from '../store/memory.ts';
import { createHealthRoutes, createReadinessCheck, PROBE_PATHS, type ProbeTargets } from './probes.ts';

const request = (path: string) => ({
  method: 'GET',
  path,
  headers: {},
  query: {},
  address: '127.0.0.1',
  requestId: 'AAAAAAAAAAAAAAAA',
});

async function answer(targets: ProbeTargets, path: string) {
  const route = createHealthRoutes(targets).find((candidate) => candidate.path === path)!;
  const response = await route.handle(request(path));
  return { ...response, json: JSON.parse(response.body) };
}

const healthy = (): ProbeTargets => ({ store: new MemoryStore(), state: new MemorySharedState() });

describe('probes', () => {
  it('/health/live answers 200 without asking anything', async () => {
    const never = () => new Promise<never>(() => {});
    const live = await answer({ store: { changeCounter: never }, state: { peek: never } }, PROBE_PATHS.live);
    expect(live.status).toBe(200);
    expect(live.json).toEqual({ status: 'live' });
  });

  it('/health/ready answers 200 while the store and the shared state answer', async () => {
    const ready = await answer(healthy(), PROBE_PATHS.ready);
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: 'ready', store: 'ok', state: 'ok' });
    expect(ready.headers['cache-control']).toBe('no-store');
  });

  it('/health/ready answers 503 with Retry-After, naming the part that failed', async () => {
    const failing = { ...healthy(), state: { peek: () => Promise.reject(new Error('ECONNREFUSED')) } };
    const ready = await answer(failing, PROBE_PATHS.ready);
    expect(ready.status).toBe(503);
    expect(ready.headers['retry-after']).toBe('1');
    expect(ready.json).toEqual({ status: 'unavailable', store: 'ok', state: 'down' });
  });

  it('a store that does not answer in time counts as down; concurrent probes share one check', async () => {
    let asked = 0;
    const hanging: ProbeTargets = {
      store: {
        changeCounter: () => {
          asked++;
          return new Promise<number>(() => {});
        },
      },
      state: new MemorySharedState(),
    };
    const check = createReadinessCheck(hanging, 50);
    const answers = await Promise.all([check(), check(), check()]);
    expect(answers).toEqual(Array(3).fill({ store: 'down', state: 'ok' }));
    expect(asked).toBe(1);
    await check();
    expect(asked).toBe(2);
  });
});
