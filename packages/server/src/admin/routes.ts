import type { Route } from '../http/types.ts';
import { createScenarioRoutes } from '../scenarios/routes.ts';
import { type AdminAccessOptions, createAdminAccess } from './access.ts';
import { createAuditRoutes } from './audit.ts';
import { createCredentialRoutes } from './credentials.ts';
import { createDiagnoseRoute } from './diagnose.ts';
import { createEventsRoute, type EventsOptions } from './events.ts';
import type { AdminHost } from './host.ts';
import { createKeyRoutes } from './keys.ts';

/** The prefix of every admin route. */
export const ADMIN_PREFIX = '/admin/api';

/** Options of {@link createAdminRoutes}: the gate's (token, remote, origins) and the event stream's. */
export interface AdminOptions extends Omit<AdminAccessOptions, 'issuer'>, EventsOptions {}

/**
 * The whole admin API as neutral routes, every one behind the gate (loopback, same origin, admin token): credentials,
 * signing keys, audit query and per-minute stats, diagnosis, and the live rejection stream.
 *
 * @example
 * ```ts
 * // createPayauth({ store, admin: { token } }) mounts these; another host provides an AdminHost of its own
 * const routes = createAdminRoutes(host, { token: process.env.PAYAUTH_ADMIN_TOKEN })
 * ```
 */
export function createAdminRoutes(host: AdminHost, options: AdminOptions): Route[] {
  const gate = createAdminAccess({ ...options, issuer: host.config.issuer });
  const routes: Route[] = [
    ...createCredentialRoutes(host),
    ...createKeyRoutes(host),
    ...createAuditRoutes(host),
    createDiagnoseRoute(host),
    createEventsRoute(host, options),
    // Only when scenarios are on (sandbox): otherwise these paths are no route at all (404).
    ...(host.scenarios ? createScenarioRoutes(host, host.scenarios) : []),
  ];
  return routes.map((route) => ({
    ...route,
    handle: async (request) => gate(request) ?? route.handle(request),
  }));
}
