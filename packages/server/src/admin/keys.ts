import type { AuthRequest, NeutralResponse, Route } from '../http/types.ts';
import { auditAdminChange } from './audit-change.ts';
import type { AdminHost } from './host.ts';
import { adminJson } from './responses.ts';

/** A token-signing key as the admin API lists it: never its private part. */
export interface AdminSigningKey {
  readonly kid: string;
  /** From the published JWKS; absent for a key that no longer verifies anything. */
  readonly alg?: string;
  readonly createdAt: string;
  readonly retiredAt?: string;
}

async function listKeys(host: AdminHost): Promise<AdminSigningKey[]> {
  const algorithms = new Map(host.issuer.jwks().keys.map((key) => [key.kid, key.alg]));
  return (await host.store.listSigningKeys()).map((key) => {
    const alg = algorithms.get(key.kid);
    return {
      kid: key.kid,
      ...(alg === undefined ? {} : { alg }),
      createdAt: new Date(key.createdAt).toISOString(),
      ...(key.retiredAt === undefined ? {} : { retiredAt: new Date(key.retiredAt).toISOString() }),
    };
  });
}

/**
 * The signing-key routes of the admin API: list, and rotate (a new key signs from now on; the retired one keeps
 * verifying the tokens it signed). The answer of both is `{"keys":[…]}`; rotate adds `kid`, the new key's id.
 *
 * @example
 * ```ts
 * const [list, rotate] = createKeyRoutes(host)
 * ```
 */
export function createKeyRoutes(host: AdminHost): Route[] {
  return [
    {
      method: 'GET',
      path: '/admin/api/keys',
      handle: async () => adminJson(200, { keys: await listKeys(host) }),
    },
    {
      method: 'POST',
      path: '/admin/api/keys/rotate',
      readsBody: true,
      handle: async (request: AuthRequest): Promise<NeutralResponse> => {
        const kid = await host.issuer.rotate();
        await auditAdminChange(host, request, 'ADMIN_SIGNING_KEY_ROTATED', { publicId: kid });
        return adminJson(200, { kid, keys: await listKeys(host) });
      },
    },
  ];
}
