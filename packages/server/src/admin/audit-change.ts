import type { AuthRequest } from '../http/types.ts';
import type { AdminHost } from './host.ts';

/** The reasons of the audit rows written for admin changes (mechanism `admin`, outcome `success`). */
export type AdminChange =
  | 'ADMIN_CREDENTIAL_CREATED'
  | 'ADMIN_CREDENTIAL_ROTATED'
  | 'ADMIN_CREDENTIAL_REVOKED'
  | 'ADMIN_SIGNING_KEY_ROTATED'
  | 'ADMIN_SCENARIO_ARMED'
  | 'ADMIN_SCENARIO_DISARMED';

/**
 * Writes one audit row for a change made through the admin API, at once (not batched: an admin change is rare, and
 * its row must not be merged with others). `publicId` is the credential's public id or the new key id, never a secret.
 *
 * @example
 * ```ts
 * await auditAdminChange(host, request, 'ADMIN_CREDENTIAL_REVOKED', { credentialId: id, publicId })
 * ```
 */
export async function auditAdminChange(
  host: Pick<AdminHost, 'store' | 'now'>,
  request: AuthRequest,
  reason: AdminChange,
  subject: { credentialId?: string; publicId?: string },
): Promise<void> {
  await host.store.appendAudit([
    {
      at: host.now(),
      mechanism: 'admin',
      ...(subject.publicId === undefined ? {} : { publicId: subject.publicId.slice(0, 64) }),
      ...(subject.credentialId === undefined ? {} : { credentialId: subject.credentialId }),
      outcome: 'success',
      reason,
      address: request.address,
      requestId: request.requestId,
    },
  ]);
}
