import { readFileSync } from 'node:fs';
import { InvalidOptionError, type Mechanism } from '@payauth/core';
import { generateIdentity } from '../demo/identity.ts';
import type { CreatedCredential, CredentialService, CredentialSummary } from './service.ts';
import { randomText } from './service.ts';

/** A created or rotated credential as `payauth credentials create … --json` prints it: ids and secrets (shown once). */
export type CredentialShape = Record<string, string>;

/** Options of {@link PayauthCredentials.create}. */
export interface CreateOptions {
  /** The partner who owns the credential (default `default`). */
  readonly partner?: string;
  /** private-key-jwt: the partner's certificate, as a PEM file path or PEM text. Without it a key pair and a
   * self-signed certificate are made, and the private key is returned once (`privateKeyPem`). */
  readonly cert?: string;
  /** Choose the public id (access key, application id, client id, api key) instead of a random one. */
  readonly publicId?: string;
  /** Mechanism options kept with the credential (`strict` for app-token, `singleUse` for hmac). */
  readonly options?: Record<string, string | number | boolean>;
}

/** Credentials of a payauth instance: create, rotate, revoke, list. A running server sees changes within its poll interval (`pollIntervalMs`, 500 ms by default), at once with PostgreSQL's change notices. */
export interface PayauthCredentials {
  /** Creates a credential; the result holds its secrets, shown this once. */
  create(mechanism: Mechanism, options?: CreateOptions): Promise<CredentialShape>;
  /** Starts a new secret (or certificate) beside the old one, which stays live `overlapSeconds` (default a day). */
  rotate(
    idOrPublicId: string,
    options?: { overlapSeconds?: number; cert?: string },
  ): Promise<CredentialShape | undefined>;
  /** Revokes a credential by id or public id; resolves to its summary, or undefined when there is none. */
  revoke(idOrPublicId: string): Promise<CredentialSummary | undefined>;
  /** Lists credentials (public ids only, never a secret). */
  list(filter?: { partner?: string; mechanism?: Mechanism }): Promise<CredentialSummary[]>;
}

/** The documented fields of a created credential, plus ids: what `--json` prints. */
export function toCredentialShape(created: CreatedCredential): CredentialShape {
  const { mechanism: _mechanism, ...rest } = created;
  return rest as CredentialShape;
}

/** Reads a certificate given as PEM text or as the path of a PEM file. */
export function readCertificate(value: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch {
    throw new InvalidOptionError('cert', 'PEM text or the path of a readable PEM file');
  }
}

/**
 * The credentials facade of `createPayauth` over the {@link CredentialService}.
 *
 * @example
 * ```ts
 * const created = await payauth.credentials.create('hmac', { partner: 'acme' }) // { id, partnerId, accessKey, secretKey, version }
 * ```
 */
export function createCredentialsFacade(service: CredentialService): PayauthCredentials {
  return {
    async create(mechanism, options = {}) {
      let certificatePem: string | undefined;
      let privateKeyPem: string | undefined;
      if (mechanism === 'private-key-jwt') {
        if (options.cert !== undefined) certificatePem = readCertificate(options.cert);
        else {
          const identity = generateIdentity({
            commonName: options.publicId ?? options.partner ?? 'partner',
            password: randomText(24),
          });
          certificatePem = identity.certificatePem;
          privateKeyPem = identity.keyPem;
        }
      }
      const created = await service.create(mechanism, {
        ...(options.partner === undefined ? {} : { partnerId: options.partner }),
        ...(options.publicId === undefined ? {} : { publicId: options.publicId }),
        ...(certificatePem === undefined ? {} : { certificatePem }),
        ...(options.options === undefined ? {} : { options: options.options }),
      });
      const shape = toCredentialShape(created);
      return privateKeyPem === undefined
        ? shape
        : { ...shape, privateKeyPem, certificatePem: certificatePem! };
    },
    async rotate(idOrPublicId, options = {}) {
      const rotated = await service.rotate(idOrPublicId, {
        ...(options.overlapSeconds === undefined ? {} : { overlapSeconds: options.overlapSeconds }),
        ...(options.cert === undefined ? {} : { certificatePem: readCertificate(options.cert) }),
      });
      return rotated === undefined ? undefined : toCredentialShape(rotated);
    },
    async revoke(idOrPublicId) {
      const revoked = await service.revoke(idOrPublicId);
      if (!revoked) return undefined;
      return (await service.list({ partnerId: revoked.partnerId })).find((entry) => entry.id === revoked.id);
    },
    list(filter = {}) {
      return service.list({
        ...(filter.partner === undefined ? {} : { partnerId: filter.partner }),
        ...(filter.mechanism === undefined ? {} : { mechanism: filter.mechanism }),
      });
    },
  };
}
