import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CredentialResolver } from './credentials/resolver.ts';
import { createPayauth } from './payauth.ts';
import { MemorySharedState } from './state/memory.ts';
import { SqliteStore } from './store/sqlite.ts';
import { TokenIssuer } from './tokens/issuer.ts';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'payauth-steps-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(directory, { recursive: true, force: true });
});

describe('createPayauth in steps', () => {
  it('closes the store, the shared state and the timers it opened when a later step throws', async () => {
    const storeClosed = vi.spyOn(SqliteStore.prototype, 'close');
    const stateClosed = vi.spyOn(MemorySharedState.prototype, 'close');
    const resolverStopped = vi.spyOn(CredentialResolver.prototype, 'stop');
    const issuerStopped = vi.spyOn(TokenIssuer.prototype, 'stop');
    // The admin part (the last step) refuses a token shorter than 16 characters, after everything else is open.
    await expect(
      createPayauth({ store: join(directory, 'payauth.db'), logger: false, admin: { token: 'short' } }),
    ).rejects.toThrow(/token/);
    expect(storeClosed).toHaveBeenCalledTimes(1);
    expect(stateClosed).toHaveBeenCalledTimes(1);
    expect(resolverStopped).toHaveBeenCalledTimes(1);
    expect(issuerStopped).toHaveBeenCalledTimes(1);
  });

  it('closes the store it opened when the context step throws', async () => {
    const storeClosed = vi.spyOn(SqliteStore.prototype, 'close');
    const stateClosed = vi.spyOn(MemorySharedState.prototype, 'close');
    vi.spyOn(TokenIssuer, 'open').mockRejectedValueOnce(new Error('no signing key'));
    await expect(createPayauth({ store: join(directory, 'payauth.db'), logger: false })).rejects.toThrow(
      'no signing key',
    );
    expect(storeClosed).toHaveBeenCalledTimes(1);
    expect(stateClosed).toHaveBeenCalledTimes(1);
  });

  it('exposes the documented surface only, not the context', async () => {
    const payauth = await createPayauth({ store: ':memory:', logger: false });
    try {
      expect(Object.keys(payauth).sort()).toEqual(
        [
          'addRoutes',
          'audit',
          'authenticate',
          'budget',
          'close',
          'credentials',
          'demo',
          'endStreams',
          'guard',
          'location',
          'metrics',
          'onRejection',
          'routes',
          'scenarios',
        ].sort(),
      );
      expect(payauth.budget.skipped).toBe(0);
    } finally {
      await payauth.close();
    }
  });
});
