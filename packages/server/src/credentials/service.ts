import { randomBytes, randomInt, X509Certificate } from 'node:crypto';
import {
  APP_TOKEN_LIMITS,
  computeThumbprints,
  HMAC_VERSION,
  hashApiSecret,
  InvalidOptionError,
  isValidAccessKey,
  type Mechanism,
  mechanisms,
} from '@payauth/core';
import type { Envelope } from '../secrets/envelope.ts';
import type { CredentialRecord, CredentialStore, SecretKind, SecretRecord } from '../store/types.ts';

/** Random text from an alphabet (rejection-free: `randomInt` is uniform). */
export function randomText(
  length: number,
  alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A new record id with a readable prefix. */
function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** What `credentials create` prints: the documented fields, secrets shown this once, plus ids. */
export type CreatedCredential =
  | {
      mechanism: 'hmac';
      id: string;
      partnerId: string;
      accessKey: string;
      secretKey: string;
      version: string;
    }
  | { mechanism: 'app-token'; id: string; partnerId: string; applicationId: string; secretKey: string }
  | {
      mechanism: 'private-key-jwt';
      id: string;
      partnerId: string;
      clientId: string;
      apiKey: string;
      kid: string;
    }
  | { mechanism: 'api-key'; id: string; partnerId: string; apiKey: string; apiSecret: string };

/** Options of {@link CredentialService.create}. */
export interface CreateCredentialOptions {
  readonly partnerId?: string;
  /** Choose the public id (access key, application id, client id, api key) instead of a random one. */
  readonly publicId?: string;
  /** Choose the secret instead of a random one (the sandbox seeds the documents' own values). */
  readonly secret?: string;
  /** private-key-jwt: the partner's certificate (PEM). Required for that mechanism. */
  readonly certificatePem?: string;
  /** private-key-jwt: choose the apikey header value. */
  readonly apiKey?: string;
  /** Mechanism options kept with the credential (`strict`, `singleUse`, `scope`). */
  readonly options?: Record<string, string | number | boolean>;
}

/** A credential as listed: public ids only, never a secret. */
export interface CredentialSummary {
  readonly id: string;
  readonly partnerId: string;
  readonly mechanism: Mechanism;
  readonly publicId: string;
  readonly status: CredentialRecord['status'];
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly liveSecrets: number;
  readonly kids?: string[];
}

const SECRET_KIND: Record<Mechanism, SecretKind> = {
  hmac: 'hmac-secret',
  'app-token': 'app-token-secret',
  'private-key-jwt': 'private-key-jwt-certificate',
  'api-key': 'api-key-secret-hash',
};

/**
 * Creates, rotates, revokes and lists credentials. Secrets are generated here and returned once; the store keeps
 * envelope ciphertexts (hmac, app-token), keyed hashes (api-key secrets, eMoney apikeys) or public certificates.
 *
 * @example
 * ```ts
 * const service = new CredentialService({ store, envelope })
 * const created = await service.create('hmac', { partnerId: 'acme' })
 * ```
 */
export class CredentialService {
  readonly #store: CredentialStore;
  readonly #envelope: Envelope;
  readonly #now: () => number;

  constructor(options: { store: CredentialStore; envelope: Envelope; now?: () => number }) {
    this.#store = options.store;
    this.#envelope = options.envelope;
    this.#now = options.now ?? Date.now;
  }

  #sealedSecret(credentialId: string, kind: SecretKind, plaintext: string, notBefore: number): SecretRecord {
    const id = newId('sec');
    const value =
      kind === 'hmac-secret' || kind === 'app-token-secret'
        ? this.#envelope.seal(plaintext, `${credentialId}/${id}`)
        : kind === 'private-key-jwt-certificate'
          ? plaintext
          : hashApiSecret(this.#envelope.deriveKey(kind), plaintext);
    return { id, credentialId, kind, value, notBefore, createdAt: notBefore };
  }

  /**
   * Creates a credential of `mechanism` for a partner (created on the fly). Throws `InvalidOptionError` for an
   * unusable option and `StoreConflictError` when the public id is taken.
   */
  async create(mechanism: Mechanism, options: CreateCredentialOptions = {}): Promise<CreatedCredential> {
    if (!mechanisms.includes(mechanism)) throw new InvalidOptionError('mechanism', mechanisms.join(', '));
    const now = this.#now();
    const partnerId = options.partnerId ?? 'default';
    await this.#store.ensurePartner({ id: partnerId, name: partnerId, createdAt: now });
    const id = newId('cred');
    const record = (publicId: string): CredentialRecord => ({
      id,
      partnerId,
      mechanism,
      publicId,
      status: 'active',
      createdAt: now,
      options: options.options ?? {},
    });
    switch (mechanism) {
      case 'hmac': {
        const accessKey = options.publicId ?? randomText(32);
        if (!isValidAccessKey(accessKey))
          throw new InvalidOptionError('accessKey', 'visible ASCII without ":"');
        const secretKey = options.secret ?? randomText(40);
        await this.#store.createCredential(record(accessKey), [
          this.#sealedSecret(id, 'hmac-secret', secretKey, now),
        ]);
        return { mechanism, id, partnerId, accessKey, secretKey, version: HMAC_VERSION };
      }
      case 'app-token': {
        const applicationId = options.publicId ?? randomText(10, '0123456789');
        if (applicationId.length > APP_TOKEN_LIMITS.applicationId) {
          throw new InvalidOptionError(
            'applicationId',
            `at most ${APP_TOKEN_LIMITS.applicationId} characters`,
          );
        }
        const secretKey = options.secret ?? randomText(40);
        await this.#store.createCredential(record(applicationId), [
          this.#sealedSecret(id, 'app-token-secret', secretKey, now),
        ]);
        return { mechanism, id, partnerId, applicationId, secretKey };
      }
      case 'private-key-jwt': {
        const certificate = parseCertificate(options.certificatePem);
        const clientId = options.publicId ?? `client-${randomText(16).toLowerCase()}`;
        const apiKey = options.apiKey ?? randomText(32, '0123456789abcdef');
        await this.#store.createCredential(record(clientId), [
          this.#sealedSecret(id, 'private-key-jwt-certificate', certificate.toString(), now),
          this.#sealedSecret(id, 'private-key-jwt-apikey-hash', apiKey, now),
        ]);
        return { mechanism, id, partnerId, clientId, apiKey, kid: computeThumbprints(certificate).x5t };
      }
      case 'api-key': {
        const apiKey = options.publicId ?? `pk_${randomText(24)}`;
        const apiSecret = options.secret ?? `sk_${randomText(40)}`;
        await this.#store.createCredential(record(apiKey), [
          this.#sealedSecret(id, 'api-key-secret-hash', apiSecret, now),
        ]);
        return { mechanism, id, partnerId, apiKey, apiSecret };
      }
    }
  }

  /** Finds a credential by its internal id or its public id (any mechanism). */
  async find(idOrPublicId: string, mechanism?: Mechanism): Promise<CredentialRecord | undefined> {
    const byId = await this.#store.getCredential(idOrPublicId);
    if (byId) return byId;
    for (const candidate of mechanism ? [mechanism] : mechanisms) {
      const found = await this.#store.findCredential(candidate, idOrPublicId);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Rotates a credential's secret (or certificate): the new one is live at once; the old ones stay live for
   * `overlapSeconds` (default one day), so clients can switch without an outage. Returns the new secret, shown once.
   */
  async rotate(
    idOrPublicId: string,
    options: { overlapSeconds?: number; secret?: string; certificatePem?: string } = {},
  ): Promise<CreatedCredential | undefined> {
    const credential = await this.find(idOrPublicId);
    if (!credential) return undefined;
    const now = this.#now();
    const overlap = (options.overlapSeconds ?? 86_400) * 1000;
    const kind = SECRET_KIND[credential.mechanism];
    const base = { id: credential.id, partnerId: credential.partnerId };
    switch (credential.mechanism) {
      case 'hmac':
      case 'app-token':
      case 'api-key': {
        const secret =
          options.secret ?? (credential.mechanism === 'api-key' ? `sk_${randomText(40)}` : randomText(40));
        await this.#store.rotateSecret(
          credential.id,
          kind,
          now + overlap,
          this.#sealedSecret(credential.id, kind, secret, now),
        );
        if (credential.mechanism === 'hmac') {
          return {
            mechanism: 'hmac',
            ...base,
            accessKey: credential.publicId,
            secretKey: secret,
            version: HMAC_VERSION,
          };
        }
        if (credential.mechanism === 'app-token') {
          return { mechanism: 'app-token', ...base, applicationId: credential.publicId, secretKey: secret };
        }
        return { mechanism: 'api-key', ...base, apiKey: credential.publicId, apiSecret: secret };
      }
      case 'private-key-jwt': {
        const certificate = parseCertificate(options.certificatePem);
        await this.#store.rotateSecret(
          credential.id,
          kind,
          now + overlap,
          this.#sealedSecret(credential.id, kind, certificate.toString(), now),
        );
        return {
          mechanism: 'private-key-jwt',
          ...base,
          clientId: credential.publicId,
          apiKey: '(unchanged)',
          kid: computeThumbprints(certificate).x5t,
        };
      }
    }
  }

  /** Revokes a credential; a running server refuses it within its poll interval. Resolves to the credential as it was
   * before the revocation, or undefined when there is none. */
  async revoke(idOrPublicId: string): Promise<CredentialRecord | undefined> {
    const credential = await this.find(idOrPublicId);
    if (!credential) return undefined;
    await this.#store.revokeCredential(credential.id, this.#now());
    return this.#store.getCredential(credential.id);
  }

  /** Lists credentials with public ids only. */
  async list(filter: { partnerId?: string; mechanism?: Mechanism } = {}): Promise<CredentialSummary[]> {
    const now = this.#now();
    const out: CredentialSummary[] = [];
    for (const credential of await this.#store.listCredentials(filter)) {
      const secrets = await this.#store.listSecrets(credential.id, now, SECRET_KIND[credential.mechanism]);
      out.push({
        id: credential.id,
        partnerId: credential.partnerId,
        mechanism: credential.mechanism,
        publicId: credential.publicId,
        status: credential.status,
        createdAt: new Date(credential.createdAt).toISOString(),
        ...(credential.revokedAt === undefined
          ? {}
          : { revokedAt: new Date(credential.revokedAt).toISOString() }),
        liveSecrets: secrets.length,
        ...(credential.mechanism === 'private-key-jwt'
          ? { kids: secrets.map((s) => computeThumbprints(s.value).x5t) }
          : {}),
      });
    }
    return out;
  }
}

function parseCertificate(pem: string | undefined): X509Certificate {
  if (pem === undefined) throw new InvalidOptionError('certificatePem', 'a PEM certificate (--cert)');
  try {
    return new X509Certificate(pem);
  } catch {
    throw new InvalidOptionError('certificatePem', 'a PEM X.509 certificate');
  }
}
