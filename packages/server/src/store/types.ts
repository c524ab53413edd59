import type { Mechanism } from '@payauth/core';

/** A partner: the owner of credentials and of data (accounts, users, balances). */
export interface Partner {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
}

/** The state of a credential. */
export type CredentialStatus = 'active' | 'revoked';

/** A credential of one mechanism, as the store keeps it (its secrets are separate records). */
export interface CredentialRecord {
  /** Internal id (`cred_…`), stable across rotations. */
  readonly id: string;
  readonly partnerId: string;
  readonly mechanism: Mechanism;
  /** The id the client sends: hmac accessKey, app-token application_id, private-key-jwt client_id, api-key apiKey. */
  readonly publicId: string;
  readonly status: CredentialStatus;
  readonly createdAt: number;
  readonly revokedAt?: number;
  /** Mechanism options: `{ strict: true }` for app-token, `{ singleUse: true }` for hmac, `{ scope: 'API' }`. */
  readonly options: Readonly<Record<string, string | number | boolean>>;
}

/**
 * What a secret record holds:
 * - `hmac-secret`, `app-token-secret`: an envelope-encrypted secret (it must be recoverable to verify an HMAC);
 * - `api-key-secret-hash`, `private-key-jwt-apikey-hash`: a keyed hash, compared in constant time;
 * - `private-key-jwt-certificate`: a PEM certificate (public).
 */
export type SecretKind =
  | 'hmac-secret'
  | 'app-token-secret'
  | 'api-key-secret-hash'
  | 'private-key-jwt-certificate'
  | 'private-key-jwt-apikey-hash';

/** One secret or certificate of a credential. Two may be live at once during a rotation. */
export interface SecretRecord {
  readonly id: string;
  readonly credentialId: string;
  readonly kind: SecretKind;
  /** Ciphertext (envelope), hash (hex) or PEM, by kind. */
  readonly value: string;
  /** Start of validity, ms. */
  readonly notBefore: number;
  /** End of validity, ms; absent while open-ended. */
  readonly notAfter?: number;
  readonly createdAt: number;
}

/** One authentication attempt, as the audit trail keeps it. Never a secret. */
export interface AuditEvent {
  readonly at: number;
  /** The mechanism of the attempt; `admin` for a change made through the admin API (reason `ADMIN_…`). */
  readonly mechanism: Mechanism | 'bearer' | 'admin';
  /** The public id presented (access key, application id, client id, api key), cut to 64 characters. */
  readonly publicId?: string;
  readonly credentialId?: string;
  readonly outcome: 'success' | 'failure';
  /** A rejection code, or `OK`. */
  readonly reason: string;
  readonly address: string;
  /** The request id (of the first request, for a counted row). */
  readonly requestId: string;
  /** How many identical attempts this row stands for (successes are counted per second); 1 when absent. */
  readonly count?: number;
}

/** A stored audit event with its sequence number. */
export interface StoredAuditEvent extends AuditEvent {
  readonly sequence: number;
}

/** A server signing key for issued tokens; the private key is envelope-encrypted. */
export interface SigningKeyRecord {
  readonly kid: string;
  readonly privateKeyCiphertext: string;
  readonly createdAt: number;
  /** Set when the key no longer signs; it still verifies until the tokens it signed have expired. */
  readonly retiredAt?: number;
}

/** An account of API-money's `GET /api/accounts` (document 000's sample shape). */
export interface Account {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly tag: string;
  readonly creation_date: string;
  readonly kyc_level: string;
}

/**
 * The credential store: partners, credentials, their secrets and the server's signing keys. Implementations: memory
 * (tests), SQLite through `node:sqlite` (the default), PostgreSQL.
 * One conformance suite (`conformance.ts`) runs against each.
 *
 * Atomicity: every method is atomic on its own. `createCredential` inserts the credential and its secrets together
 * (all or nothing); `rotateSecret` closes the old secrets' validity and inserts the new one together; every mutation
 * of credentials or secrets increments the change counter in the same transaction, so a reader that sees the new
 * counter sees the change.
 */
export interface CredentialStore {
  /** Creates the schema or migrates it to the current version. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  ensurePartner(partner: Partner): Promise<Partner>;
  listPartners(): Promise<Partner[]>;

  /** Inserts a credential with its secrets; fails with `ERR_STORE_CONFLICT` if the public id is taken. */
  createCredential(credential: CredentialRecord, secrets: SecretRecord[]): Promise<void>;
  findCredential(mechanism: Mechanism, publicId: string): Promise<CredentialRecord | undefined>;
  getCredential(id: string): Promise<CredentialRecord | undefined>;
  listCredentials(filter?: { partnerId?: string; mechanism?: Mechanism }): Promise<CredentialRecord[]>;
  /** Marks a credential revoked. Returns false when there is no such credential. */
  revokeCredential(id: string, at: number): Promise<boolean>;
  /** Ends every live secret of `kind` at `oldNotAfter` and adds `secret`, in one transaction. */
  rotateSecret(
    credentialId: string,
    kind: SecretKind,
    oldNotAfter: number,
    secret: SecretRecord,
  ): Promise<void>;
  /** The credential's secrets whose validity has not ended before `now` (all kinds, or one). */
  listSecrets(credentialId: string, now: number, kind?: SecretKind): Promise<SecretRecord[]>;
  /** A number that grows with every credential or secret change: servers poll it to drop caches. */
  changeCounter(): Promise<number>;

  putSigningKey(key: SigningKeyRecord): Promise<void>;
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  retireSigningKey(kid: string, at: number): Promise<void>;
}

/** The sandbox's protected data (document 000's accounts, eMoney's users, WakaPay's balances), per partner. */
export interface SandboxDataStore {
  putAccounts(partnerId: string, accounts: Account[]): Promise<void>;
  listAccounts(partnerId: string): Promise<Account[]>;
  putUsers(partnerId: string, users: Array<Record<string, string>>): Promise<void>;
  listUsers(partnerId: string): Promise<Array<Record<string, string>>>;
  putBalance(partnerId: string, currency: string, amount: string): Promise<void>;
  getBalance(partnerId: string, currency: string): Promise<string | undefined>;
}

/** The audit trail. */
export interface AuditStore {
  /** Appends events in one transaction. */
  appendAudit(events: AuditEvent[]): Promise<void>;
  listAudit(filter?: { since?: number; limit?: number }): Promise<StoredAuditEvent[]>;
}

/**
 * What `createPayauth` runs on: credentials and keys, the audit trail and the sandbox's data. The SQLite, PostgreSQL
 * and memory stores implement all three; a custom store may too.
 */
export interface PayauthStore extends CredentialStore, AuditStore, SandboxDataStore {
  /**
   * Optional: pushes change notices (PostgreSQL `LISTEN`/`NOTIFY`), so the credential cache is cleared at once; polling
   * stays as the backstop. Resolves to the function that stops listening.
   */
  listen?(onChange: (credentialId: string) => void): Promise<() => Promise<void>>;
}
