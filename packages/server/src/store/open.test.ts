import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from './memory.ts';
import { openStore } from './open.ts';
import { SqliteStore } from './sqlite.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('openStore(":memory:")', () => {
  it('is SQLite in memory where node:sqlite runs', async () => {
    const { store } = await openStore(':memory:');
    expect(store).toBeInstanceOf(SqliteStore);
    await store.close();
  });

  it("is the memory store where node:sqlite's DatabaseSync is refused (workerd's nodejs_compat)", async () => {
    // What workerd with nodejs_compat hands out: the module exists, its constructor throws.
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue({
      DatabaseSync: class {
        constructor() {
          throw new TypeError('Illegal constructor');
        }
      },
    });
    const { store } = await openStore(':memory:');
    expect(store).toBeInstanceOf(MemoryStore);
    await store.close();
  });
});
