import { describe, expect, it } from 'vitest';
import { StoreConflictError } from './errors.ts';
import type { CredentialRecord, PayauthStore, SecretRecord } from './types.ts';

/**
 * The conformance suite every {@link PayauthStore} passes (memory, SQLite, PostgreSQL): the same tests, run
 * against each implementation (lucia's adapter-test pattern).
 *
 * @param name - the implementation's name in the report
 * @param open - opens a fresh, empty, migrated store
 */
export function describeStoreConformance(name: string, open: () => Promise<PayauthStore>): void {
  const credential = (id: string, publicId = `pub-${id}`): CredentialRecord => ({
    id,
    partnerId: 'p1',
    mechanism: 'hmac',
    publicId,
    status: 'active',
    createdAt: 1000,
    options: { singleUse: false },
  });
  const secret = (id: string, credentialId: string, notBefore = 1000, notAfter?: number): SecretRecord => ({
    id,
    credentialId,
    kind: 'hmac-secret',
    value: `ciphertext-${id}`,
    notBefore,
    ...(notAfter === undefined ? {} : { notAfter }),
    createdAt: notBefore,
  });

  describe(`store conformance: ${name}`, () => {
    const withStore = async (work: (store: PayauthStore) => Promise<void>): Promise<void> => {
      const store = await open();
      try {
        await work(store);
      } finally {
        await store.close();
      }
    };

    it('migrates idempotently and keeps partners', () =>
      withStore(async (store) => {
        await store.migrate();
        await store.ensurePartner({ id: 'p1', name: 'One', createdAt: 1 });
        const again = await store.ensurePartner({ id: 'p1', name: 'Other', createdAt: 2 });
        expect(again.name).toBe('One');
        expect((await store.listPartners()).map((p) => p.id)).toEqual(['p1']);
      }));

    it('creates a credential with its secrets, finds it by public id, refuses a duplicate', () =>
      withStore(async (store) => {
        await store.ensurePartner({ id: 'p1', name: 'One', createdAt: 1 });
        await store.createCredential(credential('c1'), [secret('s1', 'c1')]);
        expect(await store.findCredential('hmac', 'pub-c1')).toEqual(credential('c1'));
        expect(await store.findCredential('app-token', 'pub-c1')).toBeUndefined();
        expect(await store.getCredential('c1')).toEqual(credential('c1'));
        await expect(store.createCredential(credential('c2', 'pub-c1'), [])).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        expect(await store.getCredential('c2')).toBeUndefined();
        expect((await store.listSecrets('c1', 2000)).map((s) => s.value)).toEqual(['ciphertext-s1']);
      }));

    it('exactly one of concurrent creates with the same public id succeeds', () =>
      withStore(async (store) => {
        await store.ensurePartner({ id: 'p1', name: 'One', createdAt: 1 });
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            store.createCredential(credential(`c${i}`, 'same'), [secret(`s${i}`, `c${i}`)]),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(await store.listCredentials()).toHaveLength(1);
      }));

    it('revokes, and every change moves the change counter', () =>
      withStore(async (store) => {
        await store.ensurePartner({ id: 'p1', name: 'One', createdAt: 1 });
        const start = await store.changeCounter();
        await store.createCredential(credential('c1'), [secret('s1', 'c1')]);
        const afterCreate = await store.changeCounter();
        expect(afterCreate).toBeGreaterThan(start);
        expect(await store.revokeCredential('c1', 5000)).toBe(true);
        expect(await store.changeCounter()).toBeGreaterThan(afterCreate);
        expect(await store.getCredential('c1')).toMatchObject({ status: 'revoked', revokedAt: 5000 });
        expect(await store.revokeCredential('missing', 5000)).toBe(false);
      }));

    it('rotates with overlap: the old secret lives until its end, the new one from now', () =>
      withStore(async (store) => {
        await store.ensurePartner({ id: 'p1', name: 'One', createdAt: 1 });
        await store.createCredential(credential('c1'), [secret('s1', 'c1')]);
        await store.rotateSecret('c1', 'hmac-secret', 10_000, secret('s2', 'c1', 5000));
        expect((await store.listSecrets('c1', 6000)).map((s) => s.id)).toEqual(['s2', 's1']);
        expect((await store.listSecrets('c1', 10_001)).map((s) => s.id)).toEqual(['s2']);
        expect(await store.listSecrets('c1', 6000, 'api-key-secret-hash')).toEqual([]);
      }));

    it('keeps signing keys, partner data and the audit trail', () =>
      withStore(async (store) => {
        await store.ensurePartner({ id: 'p1', name: 'One', createdAt: 1 });
        await store.putSigningKey({ kid: 'k1', privateKeyCiphertext: 'x', createdAt: 1 });
        await store.putSigningKey({ kid: 'k2', privateKeyCiphertext: 'y', createdAt: 2 });
        await store.retireSigningKey('k1', 3);
        expect(await store.listSigningKeys()).toEqual([
          { kid: 'k1', privateKeyCiphertext: 'x', createdAt: 1, retiredAt: 3 },
          { kid: 'k2', privateKeyCiphertext: 'y', createdAt: 2 },
        ]);
        const accounts = [
          { id: 'B', type: 'BUSINESS', status: 'ACTIVE', tag: 't', creation_date: 'd', kyc_level: 'LEVEL_1' },
          { id: 'A', type: 'STANDARD', status: 'ACTIVE', tag: 't', creation_date: 'd', kyc_level: 'LEVEL_1' },
        ];
        await store.putAccounts('p1', accounts);
        expect(await store.listAccounts('p1')).toEqual(accounts);
        await store.putUsers('p1', [{ id: 'u1' }]);
        expect(await store.listUsers('p1')).toEqual([{ id: 'u1' }]);
        await store.putBalance('p1', 'USD', '10.00');
        await store.putBalance('p1', 'USD', '12.50');
        expect(await store.getBalance('p1', 'USD')).toBe('12.50');
        expect(await store.getBalance('p1', 'EUR')).toBeUndefined();
        const event = {
          mechanism: 'hmac' as const,
          outcome: 'failure' as const,
          reason: 'ERR_X',
          address: '127.0.0.1',
        };
        await store.appendAudit([
          { ...event, at: 10, requestId: 'r1' },
          { ...event, at: 20, requestId: 'r2', publicId: 'k', credentialId: 'c1' },
        ]);
        const audit = await store.listAudit({ since: 15 });
        expect(audit).toHaveLength(1);
        expect(audit[0]).toMatchObject({ requestId: 'r2', publicId: 'k', credentialId: 'c1' });
      }));
  });
}
