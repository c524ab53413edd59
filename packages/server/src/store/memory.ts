import type { Mechanism } from '@payauth/core';
import { StoreConflictError } from './errors.ts';
import type {
  Account,
  AuditEvent,
  CredentialRecord,
  Partner,
  PayauthStore,
  SecretKind,
  SecretRecord,
  SigningKeyRecord,
  StoredAuditEvent,
} from './types.ts';

/**
 * A store in process memory: for tests and throwaway sandboxes. Every method runs synchronously inside one
 * microtask, so each is atomic with respect to the others.
 *
 * @example
 * ```ts
 * const store = new MemoryStore(); await store.migrate()
 * ```
 */
export class MemoryStore implements PayauthStore {
  readonly #partners = new Map<string, Partner>();
  readonly #credentials = new Map<string, CredentialRecord>();
  readonly #byPublicId = new Map<string, string>();
  readonly #secrets: SecretRecord[] = [];
  readonly #signingKeys = new Map<string, SigningKeyRecord>();
  readonly #accounts = new Map<string, Account[]>();
  readonly #users = new Map<string, Array<Record<string, string>>>();
  readonly #balances = new Map<string, string>();
  readonly #audit: StoredAuditEvent[] = [];
  #counter = 0;

  async migrate(): Promise<void> {}
  async close(): Promise<void> {}

  async ensurePartner(partner: Partner): Promise<Partner> {
    const existing = this.#partners.get(partner.id);
    if (existing) return existing;
    this.#partners.set(partner.id, { ...partner });
    return partner;
  }

  async listPartners(): Promise<Partner[]> {
    return [...this.#partners.values()];
  }

  async createCredential(credential: CredentialRecord, secrets: SecretRecord[]): Promise<void> {
    const key = `${credential.mechanism}\u0000${credential.publicId}`;
    if (this.#byPublicId.has(key) || this.#credentials.has(credential.id)) {
      throw new StoreConflictError(`a ${credential.mechanism} credential with this public id already exists`);
    }
    this.#credentials.set(credential.id, { ...credential });
    this.#byPublicId.set(key, credential.id);
    this.#secrets.push(...secrets.map((s) => ({ ...s })));
    this.#counter++;
  }

  async findCredential(mechanism: Mechanism, publicId: string): Promise<CredentialRecord | undefined> {
    const id = this.#byPublicId.get(`${mechanism}\u0000${publicId}`);
    return id === undefined ? undefined : this.#credentials.get(id);
  }

  async getCredential(id: string): Promise<CredentialRecord | undefined> {
    return this.#credentials.get(id);
  }

  async listCredentials(
    filter: { partnerId?: string; mechanism?: Mechanism } = {},
  ): Promise<CredentialRecord[]> {
    return [...this.#credentials.values()].filter(
      (c) =>
        (filter.partnerId === undefined || c.partnerId === filter.partnerId) &&
        (filter.mechanism === undefined || c.mechanism === filter.mechanism),
    );
  }

  async revokeCredential(id: string, at: number): Promise<boolean> {
    const credential = this.#credentials.get(id);
    if (!credential) return false;
    if (credential.status === 'active') {
      this.#credentials.set(id, { ...credential, status: 'revoked', revokedAt: at });
      this.#counter++;
    }
    return true;
  }

  async rotateSecret(
    credentialId: string,
    kind: SecretKind,
    oldNotAfter: number,
    secret: SecretRecord,
  ): Promise<void> {
    for (const [index, s] of this.#secrets.entries()) {
      if (
        s.credentialId === credentialId &&
        s.kind === kind &&
        (s.notAfter === undefined || s.notAfter > oldNotAfter)
      ) {
        this.#secrets[index] = { ...s, notAfter: oldNotAfter };
      }
    }
    this.#secrets.push({ ...secret });
    this.#counter++;
  }

  async listSecrets(credentialId: string, now: number, kind?: SecretKind): Promise<SecretRecord[]> {
    return this.#secrets
      .filter(
        (s) =>
          s.credentialId === credentialId &&
          (s.notAfter === undefined || s.notAfter > now) &&
          (kind === undefined || s.kind === kind),
      )
      .sort((a, b) => b.notBefore - a.notBefore || b.createdAt - a.createdAt);
  }

  async changeCounter(): Promise<number> {
    return this.#counter;
  }

  async putSigningKey(key: SigningKeyRecord): Promise<void> {
    this.#signingKeys.set(key.kid, { ...key });
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return [...this.#signingKeys.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  async retireSigningKey(kid: string, at: number): Promise<void> {
    const key = this.#signingKeys.get(kid);
    if (key && key.retiredAt === undefined) this.#signingKeys.set(kid, { ...key, retiredAt: at });
  }

  async putAccounts(partnerId: string, accounts: Account[]): Promise<void> {
    this.#accounts.set(
      partnerId,
      accounts.map((a) => ({ ...a })),
    );
  }

  async listAccounts(partnerId: string): Promise<Account[]> {
    return this.#accounts.get(partnerId) ?? [];
  }

  async putUsers(partnerId: string, users: Array<Record<string, string>>): Promise<void> {
    this.#users.set(
      partnerId,
      users.map((u) => ({ ...u })),
    );
  }

  async listUsers(partnerId: string): Promise<Array<Record<string, string>>> {
    return this.#users.get(partnerId) ?? [];
  }

  async putBalance(partnerId: string, currency: string, amount: string): Promise<void> {
    this.#balances.set(`${partnerId}\u0000${currency}`, amount);
  }

  async getBalance(partnerId: string, currency: string): Promise<string | undefined> {
    return this.#balances.get(`${partnerId}\u0000${currency}`);
  }

  async appendAudit(events: AuditEvent[]): Promise<void> {
    for (const event of events)
      this.#audit.push({ ...event, count: event.count ?? 1, sequence: this.#audit.length + 1 });
  }

  async listAudit(filter: { since?: number; limit?: number } = {}): Promise<StoredAuditEvent[]> {
    const since = filter.since ?? 0;
    return this.#audit.filter((e) => e.at >= since).slice(-(filter.limit ?? 1000));
  }
}
