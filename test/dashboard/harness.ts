import { randomBytes } from 'node:crypto';
import { CredentialService, createDashboardRoutes, createPayauth, type Payauth } from '@payauth/server';
import { payauthPlugin } from '@payauth/server/fastify';
import Fastify from 'fastify';
import type { AdminHost } from '../../packages/server/src/admin/host.ts';
import { createAdminRoutes } from '../../packages/server/src/admin/routes.ts';
import { freePort } from '../support/servers.ts';

/** A sandbox with the admin API and the dashboard mounted, on a free port. */
export interface DashboardServer {
  readonly url: string;
  readonly adminToken: string;
  readonly payauth: Payauth;
  close(): Promise<void>;
}

/**
 * `createPayauth` with the admin routes and the dashboard routes added, served by the Fastify adapter, as
 * `payauth serve --demo` does. (Until the admin branch wires both into `payauth serve`, the test wires them here.)
 */
export async function startDashboardServer(): Promise<DashboardServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const payauth = await createPayauth({ store: ':memory:', issuer: url, sandbox: true, hints: true });
  const adminToken = randomBytes(24).toString('base64url');
  const host = {
    ...payauth,
    credentials: new CredentialService({ store: payauth.store, envelope: payauth.envelope, now: payauth.now }),
    onRejection: payauth.onRejection,
  } as unknown as AdminHost;
  payauth.addRoutes([...createAdminRoutes(host, { token: adminToken }), ...createDashboardRoutes()]);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(payauthPlugin, { payauth });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    url,
    adminToken,
    payauth,
    async close() {
      await app.close();
      await payauth.close();
    },
  };
}
