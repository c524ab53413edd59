import { randomBytes } from 'node:crypto';
import { computeThumbprints, hashApiSecret, InvalidOptionError, type Mechanism } from '@payauth/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificate, type TestCertificate } from '../../../../test/support/certificates.ts';
import { Envelope } from '../secrets/envelope.ts';
import { StoreConflictError } from '../store/errors.ts';
import { SqliteStore } from '../store/sqlite.ts';
import { CredentialService } from './service.ts';

// The service through its public methods (create, find, rotate, revoke, list) on the default store (SQLite in
// memory), reading back what the store holds to check that no secret is kept in the clear.

const T0 = Date.parse('2026-12-01T10:00:00Z');

async function setup() {
  const store = new SqliteStore(':memory:');
  await store.migrate();
  const envelope = new Envelope(randomBytes(32));
  let now = T0;
  const service = new CredentialService({ store, envelope, now: () => now });
  return {
    store,
    envelope,
    service,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** The created credential, narrowed to its mechanism's fields. */
function as<M extends Mechanism>(mechanism: M, created: { mechanism: Mechanism } | undefined) {
  if (created?.mechanism !== mechanism) throw new Error(`expected a ${mechanism} credential`);
  return created as Extract<Awaited<ReturnType<CredentialService['create']>>, { mechanism: M }>;
}

describe('CredentialService', () => {
  let certificate: TestCertificate;
  let other: TestCertificate;
  beforeAll(() => {
    certificate = createTestCertificate();
    other = createTestCertificate({ keyType: 'ec' });
  });

  it('creates each mechanism with its documented fields, secrets returned once, for the default partner', async () => {
    const { service } = await setup();
    const hmac = as('hmac', await service.create('hmac'));
    expect(Object.keys(hmac).sort()).toEqual(
      ['accessKey', 'id', 'mechanism', 'partnerId', 'secretKey', 'version'].sort(),
    );
    expect(hmac).toMatchObject({ partnerId: 'default', version: '1' });
    expect(hmac.accessKey).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(hmac.secretKey).toMatch(/^[A-Za-z0-9]{40}$/);

    const appToken = as('app-token', await service.create('app-token', { partnerId: 'acme' }));
    expect(appToken.partnerId).toBe('acme');
    expect(appToken.applicationId).toMatch(/^\d{10}$/);
    expect(appToken.secretKey).toMatch(/^[A-Za-z0-9]{40}$/);

    const emoney = as(
      'private-key-jwt',
      await service.create('private-key-jwt', { certificatePem: certificate.certificatePem }),
    );
    expect(emoney.clientId).toMatch(/^client-[a-z0-9]{16}$/);
    expect(emoney.apiKey).toMatch(/^[0-9a-f]{32}$/);
    expect(emoney.kid).toBe(computeThumbprints(certificate.certificate).x5t);

    const apiKey = as('api-key', await service.create('api-key'));
    expect(apiKey.apiKey).toMatch(/^pk_[A-Za-z0-9]{24}$/);
    expect(apiKey.apiSecret).toMatch(/^sk_[A-Za-z0-9]{40}$/);

    expect(new Set([hmac.id, appToken.id, emoney.id, apiKey.id]).size).toBe(4);
  });

  it('keeps no secret in the clear: envelopes bound to their record, keyed hashes, the public certificate', async () => {
    const { service, store, envelope } = await setup();
    const hmac = as('hmac', await service.create('hmac'));
    const appToken = as('app-token', await service.create('app-token'));
    const apiKey = as('api-key', await service.create('api-key'));
    const emoney = as(
      'private-key-jwt',
      await service.create('private-key-jwt', { certificatePem: certificate.certificatePem }),
    );
    const secretsOf = (id: string) => store.listSecrets(id, T0);

    for (const [created, plaintext] of [
      [hmac, hmac.secretKey],
      [appToken, appToken.secretKey],
    ] as const) {
      const [secret, ...rest] = await secretsOf(created.id);
      expect(rest).toEqual([]);
      expect(secret?.value).not.toContain(plaintext);
      expect(envelope.open(secret!.value, `${created.id}/${secret!.id}`)).toBe(plaintext);
      // Bound to its own record: the same ciphertext does not open as another one's.
      expect(() => envelope.open(secret!.value, `cred_other/${secret!.id}`)).toThrow();
    }

    const [apiSecret] = await secretsOf(apiKey.id);
    expect(apiSecret).toMatchObject({
      kind: 'api-key-secret-hash',
      value: hashApiSecret(envelope.deriveKey('api-key-secret-hash'), apiKey.apiSecret),
    });

    const emoneySecrets = await secretsOf(emoney.id);
    expect(emoneySecrets.map((secret) => secret.kind).sort()).toEqual([
      'private-key-jwt-apikey-hash',
      'private-key-jwt-certificate',
    ]);
    const stored = JSON.stringify(emoneySecrets);
    expect(stored).not.toContain(emoney.apiKey);
    expect(stored).not.toContain('PRIVATE KEY');
  });

  it('takes the public id and secret it is given (the sandbox seeds the documents’ own values)', async () => {
    const { service, envelope, store } = await setup();
    const hmac = as(
      'hmac',
      await service.create('hmac', {
        publicId: 'k1rXpphkRG!2-Fox',
        secret: 'E0!oYfVpA6-noiqGr-pT7AJ2ybT4r7lx',
        options: { singleUse: true },
      }),
    );
    expect(hmac).toMatchObject({
      accessKey: 'k1rXpphkRG!2-Fox',
      secretKey: 'E0!oYfVpA6-noiqGr-pT7AJ2ybT4r7lx',
    });
    expect((await service.find('k1rXpphkRG!2-Fox'))?.options).toEqual({ singleUse: true });
    const emoney = as(
      'private-key-jwt',
      await service.create('private-key-jwt', {
        publicId: 'client-demo',
        apiKey: 'demo-api-key',
        certificatePem: certificate.certificatePem,
      }),
    );
    expect(emoney).toMatchObject({ clientId: 'client-demo', apiKey: 'demo-api-key' });
    const [apikeyHash] = await store.listSecrets(emoney.id, T0, 'private-key-jwt-apikey-hash');
    expect(apikeyHash?.value).toBe(
      hashApiSecret(envelope.deriveKey('private-key-jwt-apikey-hash'), 'demo-api-key'),
    );
  });

  it('refuses an unusable option by name, and a public id already taken for the mechanism', async () => {
    const { service } = await setup();
    const refusals: Array<[string, () => Promise<unknown>]> = [
      ['mechanism', () => service.create('basic' as Mechanism)],
      ['accessKey', () => service.create('hmac', { publicId: 'a:b' })],
      ['applicationId', () => service.create('app-token', { publicId: '1'.repeat(21) })],
      ['certificatePem', () => service.create('private-key-jwt')],
      ['certificatePem', () => service.create('private-key-jwt', { certificatePem: 'not a certificate' })],
    ];
    for (const [option, attempt] of refusals) {
      await expect(attempt(), option).rejects.toThrow(InvalidOptionError);
      await expect(attempt(), option).rejects.toMatchObject({ option });
    }
    await service.create('api-key', { publicId: 'pk_taken' });
    await expect(service.create('api-key', { publicId: 'pk_taken' })).rejects.toThrow(StoreConflictError);
    // The same public id under another mechanism is another credential.
    await service.create('hmac', { publicId: 'pk_taken' });
  });

  it('finds a credential by internal id or public id, within one mechanism when asked', async () => {
    const { service } = await setup();
    const apiKey = as('api-key', await service.create('api-key', { publicId: 'shared-id' }));
    const hmac = as('hmac', await service.create('hmac', { publicId: 'shared-id' }));
    expect((await service.find(apiKey.id))?.mechanism).toBe('api-key');
    expect((await service.find('shared-id', 'hmac'))?.id).toBe(hmac.id);
    expect((await service.find('shared-id', 'api-key'))?.id).toBe(apiKey.id);
    expect(await service.find('shared-id', 'app-token')).toBeUndefined();
    expect(await service.find('nothing')).toBeUndefined();
  });

  it('rotates: the new secret is live at once, the old one until the overlap ends', async () => {
    const { service, store, envelope, advance } = await setup();
    const created = as('hmac', await service.create('hmac', { partnerId: 'acme' }));
    advance(60_000);
    const rotated = as('hmac', await service.rotate(created.accessKey, { overlapSeconds: 600 }));
    expect(rotated).toMatchObject({
      id: created.id,
      partnerId: 'acme',
      accessKey: created.accessKey,
      version: '1',
    });
    expect(rotated.secretKey).not.toBe(created.secretKey);

    const live = async (at: number) =>
      (await store.listSecrets(created.id, at)).map((secret) =>
        envelope.open(secret.value, `${created.id}/${secret.id}`),
      );
    expect((await live(T0 + 60_000)).sort()).toEqual([created.secretKey, rotated.secretKey].sort());
    expect((await service.list())[0]?.liveSecrets).toBe(2);
    advance(600_000);
    expect(await live(T0 + 660_000)).toEqual([rotated.secretKey]);
    expect((await service.list())[0]?.liveSecrets).toBe(1);

    expect(await service.rotate('nothing')).toBeUndefined();
  });

  it('rotates each mechanism with its own answer; a private-key-jwt client rotates its certificate', async () => {
    const { service } = await setup();
    const appToken = as('app-token', await service.create('app-token'));
    expect(await service.rotate(appToken.id, { secret: 'chosen' })).toMatchObject({
      mechanism: 'app-token',
      applicationId: appToken.applicationId,
      secretKey: 'chosen',
    });
    const apiKey = as('api-key', await service.create('api-key'));
    expect(as('api-key', await service.rotate(apiKey.id)).apiSecret).toMatch(/^sk_/);

    const emoney = as(
      'private-key-jwt',
      await service.create('private-key-jwt', { certificatePem: certificate.certificatePem }),
    );
    await expect(service.rotate(emoney.id)).rejects.toMatchObject({ option: 'certificatePem' });
    const rotated = as(
      'private-key-jwt',
      await service.rotate(emoney.id, { certificatePem: other.certificatePem }),
    );
    expect(rotated).toMatchObject({ clientId: emoney.clientId, apiKey: '(unchanged)' });
    expect(rotated.kid).toBe(computeThumbprints(other.certificate).x5t);
    const [listed] = await service.list({ mechanism: 'private-key-jwt' });
    expect(listed?.kids?.sort()).toEqual([emoney.kid, rotated.kid].sort());
  });

  it('revokes by id or public id, answering the record as revoked, or undefined for an unknown one', async () => {
    const { service, advance } = await setup();
    const created = as('app-token', await service.create('app-token'));
    advance(5000);
    const revoked = await service.revoke(created.applicationId);
    expect(revoked).toMatchObject({ id: created.id, status: 'revoked', revokedAt: T0 + 5000 });
    const [listed] = await service.list();
    expect(listed).toMatchObject({ status: 'revoked', revokedAt: new Date(T0 + 5000).toISOString() });
    expect(await service.revoke('nothing')).toBeUndefined();
  });

  it('lists public ids only, filtered by partner and mechanism', async () => {
    const { service } = await setup();
    const created = [
      as('hmac', await service.create('hmac', { partnerId: 'acme' })),
      as('api-key', await service.create('api-key', { partnerId: 'acme' })),
      as('api-key', await service.create('api-key', { partnerId: 'globex' })),
    ] as const;
    const all = await service.list();
    expect(all).toHaveLength(3);
    expect(all.find((entry) => entry.id === created[0].id)).toEqual({
      id: created[0].id,
      partnerId: 'acme',
      mechanism: 'hmac',
      publicId: created[0].accessKey,
      status: 'active',
      createdAt: new Date(T0).toISOString(),
      liveSecrets: 1,
    });
    const text = JSON.stringify(all);
    for (const secret of [created[0].secretKey, created[1].apiSecret, created[2].apiSecret])
      expect(text).not.toContain(secret);
    expect((await service.list({ partnerId: 'acme' })).map((entry) => entry.mechanism).sort()).toEqual([
      'api-key',
      'hmac',
    ]);
    expect((await service.list({ mechanism: 'api-key' })).map((entry) => entry.partnerId).sort()).toEqual([
      'acme',
      'globex',
    ]);
    expect(await service.list({ partnerId: 'acme', mechanism: 'app-token' })).toEqual([]);
  });
});
