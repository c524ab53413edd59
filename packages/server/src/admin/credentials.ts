import { InvalidOptionError, type Mechanism, mechanisms } from '@payauth/core';
import type { CredentialShape } from '../credentials/facade.ts';
import type { CredentialSummary } from '../credentials/service.ts';
import type { AuthRequest, NeutralResponse, Route } from '../http/types.ts';
import { StoreConflictError } from '../store/errors.ts';
import type { CredentialRecord } from '../store/types.ts';
import { auditAdminChange } from './audit-change.ts';
import type { AdminHost } from './host.ts';
import { isValidPartnerId, queryValue, readJsonObject } from './request.ts';
import { adminError, adminJson } from './responses.ts';

/** A credential as the admin API lists it: public ids only, plus the time of its last accepted request. */
export type AdminCredential = CredentialSummary & { readonly lastUsedAt?: string };

/** How many recent audit rows are read to find each credential's last use. */
const LAST_USE_WINDOW = 10_000;

const isMechanism = (value: unknown): value is Mechanism =>
  typeof value === 'string' && (mechanisms as readonly string[]).includes(value);

/** Finds a credential by internal id or public id (any mechanism). */
export async function findCredential(
  host: AdminHost,
  idOrPublicId: string,
): Promise<CredentialRecord | undefined> {
  if (idOrPublicId === '' || idOrPublicId.length > 256) return undefined;
  const byId = await host.store.getCredential(idOrPublicId);
  if (byId) return byId;
  for (const mechanism of mechanisms) {
    const found = await host.store.findCredential(mechanism, idOrPublicId);
    if (found) return found;
  }
  return undefined;
}

async function lastUses(host: AdminHost): Promise<Map<string, number>> {
  await host.audit.flush();
  const last = new Map<string, number>();
  for (const event of await host.store.listAudit({ since: 0, limit: LAST_USE_WINDOW })) {
    if (event.outcome === 'success' && event.mechanism !== 'admin' && event.credentialId !== undefined) {
      last.set(event.credentialId, Math.max(last.get(event.credentialId) ?? 0, event.at));
    }
  }
  return last;
}

async function announce(host: AdminHost, credentialId: string): Promise<void> {
  host.resolver.clear();
  await host.state?.publishChange(credentialId).catch(() => undefined);
}

function refuseOption(error: unknown): NeutralResponse {
  if (error instanceof InvalidOptionError) return adminError('invalid_request', error.message);
  if (error instanceof StoreConflictError) return adminError('invalid_request', 'that public id is taken');
  throw error;
}

/**
 * The credential routes of the admin API: list (with last use), create and rotate (the secret is in that answer
 * and nowhere else, ever), revoke. Every change writes an audit row and reaches the running guards at once.
 *
 * @example
 * ```ts
 * payauth.addRoutes(createCredentialRoutes(host).map(guard))
 * ```
 */
export function createCredentialRoutes(host: AdminHost): Route[] {
  const list = async (request: AuthRequest): Promise<NeutralResponse> => {
    const partner = queryValue(request, 'partner');
    const mechanism = queryValue(request, 'mechanism');
    if (mechanism !== undefined && !isMechanism(mechanism)) {
      return adminError('invalid_request', `mechanism must be one of ${mechanisms.join(', ')}`);
    }
    if (partner !== undefined && !isValidPartnerId(partner)) {
      return adminError('invalid_request', 'partner must be 1 to 64 characters');
    }
    const [summaries, used] = await Promise.all([
      host.credentials.list({
        ...(partner === undefined ? {} : { partner }),
        ...(mechanism === undefined ? {} : { mechanism }),
      }),
      lastUses(host),
    ]);
    const credentials: AdminCredential[] = summaries.map((summary) => {
      const at = used.get(summary.id);
      return at === undefined ? summary : { ...summary, lastUsedAt: new Date(at).toISOString() };
    });
    return adminJson(200, { credentials });
  };

  const create = async (request: AuthRequest): Promise<NeutralResponse> => {
    const body = readJsonObject(request);
    if (!body.ok) return adminError('invalid_request', body.message);
    const { mechanism, partner, cert } = body.value;
    if (!isMechanism(mechanism)) {
      return adminError('invalid_request', `mechanism must be one of ${mechanisms.join(', ')}`);
    }
    if (partner !== undefined && !isValidPartnerId(partner)) {
      return adminError('invalid_request', 'partner must be 1 to 64 characters, no control character');
    }
    if (cert !== undefined && (typeof cert !== 'string' || !cert.includes('-----BEGIN CERTIFICATE-----'))) {
      // PEM text only: a file path would let the API read the server's files.
      return adminError('invalid_request', 'cert must be a PEM certificate (text, not a path)');
    }
    let created: CredentialShape;
    try {
      // Without cert, private-key-jwt gets a new key pair and certificate: the private key is in this answer only.
      created = await host.credentials.create(mechanism, {
        ...(partner === undefined ? {} : { partner }),
        ...(cert === undefined ? {} : { cert }),
      });
    } catch (error) {
      return refuseOption(error);
    }
    const id = created.id!;
    const publicId = (await host.store.getCredential(id))?.publicId;
    await auditAdminChange(host, request, 'ADMIN_CREDENTIAL_CREATED', {
      credentialId: id,
      ...(publicId === undefined ? {} : { publicId }),
    });
    await announce(host, id);
    return adminJson(201, { mechanism, ...created });
  };

  const rotate = async (request: AuthRequest): Promise<NeutralResponse> => {
    const body = readJsonObject(request);
    if (!body.ok) return adminError('invalid_request', body.message);
    const { overlapSeconds, cert } = body.value;
    if (
      overlapSeconds !== undefined &&
      (typeof overlapSeconds !== 'number' ||
        !Number.isInteger(overlapSeconds) ||
        overlapSeconds < 0 ||
        overlapSeconds > 31_536_000)
    ) {
      return adminError(
        'invalid_request',
        'overlapSeconds must be a whole number of seconds (0 to 31536000)',
      );
    }
    if (cert !== undefined && (typeof cert !== 'string' || !cert.includes('-----BEGIN CERTIFICATE-----'))) {
      return adminError('invalid_request', 'cert must be a PEM certificate (text, not a path)');
    }
    const id = request.params?.id ?? '';
    const existing = await findCredential(host, id);
    if (!existing) return adminError('not_found', 'no such credential');
    if (existing.status === 'revoked') return adminError('invalid_request', 'the credential is revoked');
    if (existing.mechanism === 'private-key-jwt' && cert === undefined) {
      return adminError('invalid_request', 'private-key-jwt rotation needs cert: the new certificate (PEM)');
    }
    const overlap = overlapSeconds ?? 86_400;
    let rotated: CredentialShape | undefined;
    try {
      rotated = await host.credentials.rotate(existing.id, {
        overlapSeconds: overlap,
        ...(cert === undefined ? {} : { cert }),
      });
    } catch (error) {
      return refuseOption(error);
    }
    if (!rotated) return adminError('not_found', 'no such credential');
    await auditAdminChange(host, request, 'ADMIN_CREDENTIAL_ROTATED', {
      credentialId: existing.id,
      publicId: existing.publicId,
    });
    await announce(host, existing.id);
    return adminJson(200, { mechanism: existing.mechanism, ...rotated, overlapSeconds: overlap });
  };

  const revoke = async (request: AuthRequest): Promise<NeutralResponse> => {
    const id = request.params?.id ?? '';
    const existing = await findCredential(host, id);
    if (!existing) return adminError('not_found', 'no such credential');
    const revoked = await host.credentials.revoke(existing.id);
    if (!revoked) return adminError('not_found', 'no such credential');
    await auditAdminChange(host, request, 'ADMIN_CREDENTIAL_REVOKED', {
      credentialId: existing.id,
      publicId: existing.publicId,
    });
    await announce(host, existing.id);
    return adminJson(200, revoked);
  };

  return [
    { method: 'GET', path: '/admin/api/credentials', handle: list },
    { method: 'POST', path: '/admin/api/credentials', readsBody: true, handle: create },
    { method: 'POST', path: '/admin/api/credentials/:id/rotate', readsBody: true, handle: rotate },
    { method: 'POST', path: '/admin/api/credentials/:id/revoke', readsBody: true, handle: revoke },
  ];
}
