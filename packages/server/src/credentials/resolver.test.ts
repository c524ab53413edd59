import { createHmac, randomBytes } from 'node:crypto';
import { hashApiSecret } from '@payauth/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestCertificate, type TestCertificate } from '../../../../test/support/certificates.ts';
import { Envelope } from '../secrets/envelope.ts';
import { MemorySharedState } from '../state/memory.ts';
import { SqliteStore } from '../store/sqlite.ts';
import type { PayauthStore } from '../store/types.ts';
import { acceptedByAnyLive, CredentialResolver, isLive } from './resolver.ts';
import { CredentialService } from './service.ts';

// The resolver through its public methods (start, poll, clear, stop, resolve, resolveById) on the default store
// (SQLite in memory), with credentials made by the CredentialService. The store is wrapped to count its reads, which
// is how a test sees whether an answer came from the cache.

const DAY = 86_400_000;

/** The store, with a count of the calls of each method and a switch that makes every call fail as a lost database. */
function observed(store: PayauthStore) {
  const calls = new Map<string, number>();
  const outage = { down: false };
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1);
        if (outage.down) return Promise.reject(new Error('connection terminated'));
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, calls, outage, reads: () => calls.get('findCredential') ?? 0 };
}

describe('CredentialResolver', () => {
  let certificate: TestCertificate;
  beforeAll(() => {
    certificate = createTestCertificate();
  });
  afterAll(() => vi.useRealTimers());

  const resolvers: CredentialResolver[] = [];
  afterEach(() => {
    for (const resolver of resolvers.splice(0)) resolver.stop();
    vi.useRealTimers();
  });

  async function setup(options: { maxStaleMs?: number; state?: MemorySharedState } = {}) {
    const sqlite = new SqliteStore(':memory:');
    await sqlite.migrate();
    const watched = observed(sqlite);
    const envelope = new Envelope(randomBytes(32));
    let now = Date.now();
    const clock = () => now;
    const service = new CredentialService({ store: sqlite, envelope, now: clock });
    const resolver = new CredentialResolver({
      store: watched.store,
      envelope,
      now: clock,
      // Polls are made by the tests themselves (the timer's first tick is far away).
      pollIntervalMs: 3_600_000,
      ...(options.maxStaleMs === undefined ? {} : { maxStaleMs: options.maxStaleMs }),
      ...(options.state === undefined ? {} : { state: options.state }),
    });
    resolvers.push(resolver);
    await resolver.start();
    return {
      service,
      resolver,
      envelope,
      ...watched,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it('resolves each mechanism with its secrets ready for verification, decrypted once', async () => {
    const { service, resolver, envelope } = await setup();
    const hmac = await service.create('hmac', { partnerId: 'acme' });
    const appToken = await service.create('app-token');
    const apiKey = await service.create('api-key');
    const emoney = await service.create('private-key-jwt', { certificatePem: certificate.certificatePem });
    if (
      hmac.mechanism !== 'hmac' ||
      appToken.mechanism !== 'app-token' ||
      apiKey.mechanism !== 'api-key' ||
      emoney.mechanism !== 'private-key-jwt'
    )
      throw new Error('unexpected mechanisms');

    const resolvedHmac = await resolver.resolve('hmac', hmac.accessKey);
    expect(resolvedHmac?.record).toMatchObject({ id: hmac.id, partnerId: 'acme', status: 'active' });
    expect(resolvedHmac?.hmacKeys).toHaveLength(1);
    const key = resolvedHmac!.hmacKeys[0]!.key;
    expect(createHmac('sha256', key).update('message').digest('hex')).toBe(
      createHmac('sha256', hmac.secretKey).update('message').digest('hex'),
    );
    expect(resolvedHmac?.hmacKeys[0]?.notAfter).toBe(Number.POSITIVE_INFINITY);

    const resolvedApp = await resolver.resolve('app-token', appToken.applicationId);
    expect(resolvedApp?.appSecrets.map((entry) => entry.secret)).toEqual([appToken.secretKey]);

    const resolvedKey = await resolver.resolve('api-key', apiKey.apiKey);
    expect(resolvedKey?.secretHashes.map((entry) => entry.hash)).toEqual([
      hashApiSecret(envelope.deriveKey('api-key-secret-hash'), apiKey.apiSecret),
    ]);

    const resolvedClient = await resolver.resolve('private-key-jwt', emoney.clientId);
    expect(resolvedClient?.certificates).toHaveLength(1);
    expect(resolvedClient?.apikeyHashes.map((entry) => entry.hash)).toEqual([
      hashApiSecret(envelope.deriveKey('private-key-jwt-apikey-hash'), emoney.apiKey),
    ]);
    expect(resolvedClient?.certificates[0]?.thumbprints.x5t).toBe(emoney.kid);
    expect(resolvedClient?.certificates[0]?.notAfter).toBe(Date.parse(certificate.certificate.validTo));
  });

  it('answers undefined for an unknown id, and for an id outside the grammar without asking the store', async () => {
    const { resolver, reads } = await setup();
    expect(await resolver.resolve('hmac', 'nobody')).toBeUndefined();
    expect(reads()).toBe(1);
    for (const invalid of ['', 'a\u0000b', 'x'.repeat(10_000)]) {
      expect(await resolver.resolve('hmac', invalid)).toBeUndefined();
    }
    expect(await resolver.resolve('not-a-mechanism' as 'hmac', 'nobody')).toBeUndefined();
    expect(reads()).toBe(1);
    expect(await resolver.resolveById('cred_unknown')).toBeUndefined();
  });

  it('keeps answers, unknown ids included, and loads a credential once for concurrent callers', async () => {
    const { service, resolver, reads } = await setup();
    const created = await service.create('api-key');
    if (created.mechanism !== 'api-key') throw new Error('unexpected');
    const together = await Promise.all(
      Array.from({ length: 5 }, () => resolver.resolve('api-key', created.apiKey)),
    );
    expect(new Set(together).size).toBe(1);
    expect(reads()).toBe(1);
    await resolver.resolve('api-key', created.apiKey);
    await resolver.resolve('api-key', 'unknown');
    await resolver.resolve('api-key', 'unknown');
    expect(reads()).toBe(2);
    // By internal id (a Bearer token's sub), the same credential.
    expect((await resolver.resolveById(created.id))?.record.publicId).toBe(created.apiKey);
    const byIdReads = reads();
    await resolver.resolveById(created.id);
    expect(reads()).toBe(byIdReads);
  });

  it('sees a revocation or a new credential at the next poll of the change counter, and not before', async () => {
    const { service, resolver } = await setup();
    const created = await service.create('hmac');
    if (created.mechanism !== 'hmac') throw new Error('unexpected');
    expect((await resolver.resolve('hmac', created.accessKey))?.record.status).toBe('active');
    expect(await resolver.resolve('hmac', 'later-key')).toBeUndefined();

    await service.revoke(created.id);
    await service.create('hmac', { publicId: 'later-key' });
    // Until the poll, the cache answers (freshness is bounded by the poll interval, docs/server.md).
    expect((await resolver.resolve('hmac', created.accessKey))?.record.status).toBe('active');
    await resolver.poll();
    expect((await resolver.resolve('hmac', created.accessKey))?.record.status).toBe('revoked');
    expect((await resolver.resolve('hmac', 'later-key'))?.record.publicId).toBe('later-key');
  });

  it('drops its cache on a change notice of the shared state, and stops listening once stopped', async () => {
    const state = new MemorySharedState();
    const { service, resolver, reads } = await setup({ state });
    try {
      const created = await service.create('app-token');
      if (created.mechanism !== 'app-token') throw new Error('unexpected');
      await resolver.resolve('app-token', created.applicationId);
      await state.publishChange(created.id);
      await resolver.resolve('app-token', created.applicationId);
      expect(reads()).toBe(2);
      resolver.stop();
      await state.publishChange(created.id);
      await resolver.resolve('app-token', created.applicationId);
      expect(reads()).toBe(2);
      resolver.clear();
      await resolver.resolve('app-token', created.applicationId);
      expect(reads()).toBe(3);
    } finally {
      await state.close();
    }
  });

  it('keeps only the secrets still live: after a rotation both, after the overlap the new one', async () => {
    const { service, resolver, advance } = await setup();
    const created = await service.create('hmac');
    const rotated = await service.rotate(created.id, { overlapSeconds: 3600 });
    if (created.mechanism !== 'hmac' || rotated?.mechanism !== 'hmac') throw new Error('unexpected');
    await resolver.poll();
    const during = await resolver.resolve('hmac', created.accessKey);
    expect(during?.hmacKeys).toHaveLength(2);
    const signatures = (during?.hmacKeys ?? []).map((entry) =>
      createHmac('sha256', entry.key).update('m').digest('hex'),
    );
    for (const secret of [created.secretKey, rotated.secretKey]) {
      expect(signatures).toContain(createHmac('sha256', secret).update('m').digest('hex'));
    }
    advance(3600_000 + 1);
    resolver.clear();
    const after = await resolver.resolve('hmac', created.accessKey);
    expect(after?.hmacKeys).toHaveLength(1);
    expect(createHmac('sha256', after!.hmacKeys[0]!.key).update('m').digest('hex')).toBe(
      createHmac('sha256', rotated.secretKey).update('m').digest('hex'),
    );
  });

  it('trusts its cache only while a poll succeeded within maxStaleMs: then the store must answer, and fails closed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { service, resolver, outage, reads } = await setup({ maxStaleMs: 1000 });
    const created = await service.create('api-key');
    if (created.mechanism !== 'api-key') throw new Error('unexpected');
    await resolver.resolve('api-key', created.apiKey);

    outage.down = true;
    await resolver.poll();
    expect(resolver.lastPollError?.message).toBe('connection terminated');
    // Within maxStaleMs of the last good poll the cache still answers.
    vi.advanceTimersByTime(900);
    expect((await resolver.resolve('api-key', created.apiKey))?.record.publicId).toBe(created.apiKey);
    const cachedReads = reads();
    // Past it, a revocation could have been missed: the store is asked, and its failure reaches the caller.
    vi.advanceTimersByTime(200);
    await expect(async () => resolver.resolve('api-key', created.apiKey)).rejects.toThrow(
      'connection terminated',
    );
    expect(reads()).toBe(cachedReads + 1);

    outage.down = false;
    await resolver.poll();
    expect(resolver.lastPollError).toBeUndefined();
    expect((await resolver.resolve('api-key', created.apiKey))?.record.publicId).toBe(created.apiKey);
  });
});

describe('isLive and acceptedByAnyLive', () => {
  const window = { notBefore: 1000, notAfter: 2000 };

  it('a window holds its start and not its end', () => {
    expect([999, 1000, 1999, 2000].map((now) => isLive(window, now))).toEqual([false, true, true, false]);
    expect(isLive({ notBefore: 0, notAfter: Number.POSITIVE_INFINITY }, 100 * DAY)).toBe(true);
  });

  it('accepts when one live entry passes the check, skipping entries out of their window and entries that throw', () => {
    const entries = [
      { ...window, name: 'expired', notAfter: 1500 },
      { ...window, name: 'refuses' },
      { ...window, name: 'accepts' },
    ];
    const checked: string[] = [];
    const check = (entry: { name: string }) => {
      checked.push(entry.name);
      if (entry.name !== 'accepts') throw new Error('no');
    };
    expect(acceptedByAnyLive(entries, 1600, check)).toBe(true);
    expect(checked).toEqual(['refuses', 'accepts']);
    expect(acceptedByAnyLive(entries.slice(0, 2), 1200, check)).toBe(false);
    expect(acceptedByAnyLive(entries, 2000, check)).toBe(false);
  });
});
