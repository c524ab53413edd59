import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CredentialService,
  createDashboardRoutes,
  createPayauthServer,
  Envelope,
  MemorySharedState,
  SqliteStore,
} from '@payauth/server';
import type { AdminHost, RejectionEvent } from '../../packages/server/src/admin/host.ts';
import { createAdminRoutes } from '../../packages/server/src/admin/routes.ts';
import type { AuthRequest, Route } from '../../packages/server/src/http/types.ts';
import { freePort } from '../support/servers.ts';

/** A sandbox with the admin API and the dashboard mounted, on a free port. */
export interface DashboardServer {
  readonly url: string;
  readonly adminToken: string;
  readonly service: CredentialService;
  close(): Promise<void>;
}

/**
 * Temporary harness until main's `createPayauth` + adapters land: the current Fastify sandbox, with the admin routes
 * and the dashboard routes looped over as a thin adapter would, and rejections taken from the context's log.
 */
export async function startDashboardServer(): Promise<DashboardServer> {
  const directory = mkdtempSync(join(tmpdir(), 'payauth-dashboard-'));
  const store = new SqliteStore(join(directory, 'store.db'));
  await store.migrate();
  const envelope = new Envelope(randomBytes(32));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await createPayauthServer({
    store,
    envelope,
    issuer: url,
    state: new MemorySharedState(),
    logger: false,
    hints: true,
    pollIntervalMs: 200,
  });
  const context = server.context;
  const service = new CredentialService({ store, envelope });
  const listeners = new Set<(event: RejectionEvent) => void>();
  const log = context.log;
  (context as { log: typeof log }).log = (entry) => {
    log(entry);
    if (entry.event !== 'auth.rejected') return;
    const event: RejectionEvent = {
      at: context.now(),
      mechanism: entry.mechanism as RejectionEvent['mechanism'],
      code: String(entry.code),
      reason: String(entry.reason),
      ...(typeof entry.publicId === 'string' ? { publicId: entry.publicId } : {}),
      requestId: String(entry.requestId),
      address: String(entry.address),
      method: 'GET',
      path: '/',
      headerNames: [],
    };
    for (const listener of listeners) listener(event);
  };
  const host: AdminHost = {
    config: context.config,
    store,
    issuer: context.issuer,
    resolver: context.resolver,
    audit: context.audit,
    state: context.state,
    credentials: service,
    now: context.now,
    onRejection(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const adminToken = randomBytes(24).toString('base64url');
  const routes: Route[] = [...createAdminRoutes(host, { token: adminToken }), ...createDashboardRoutes()];
  for (const route of routes) {
    server.app.route({
      method: route.method,
      url: route.path,
      handler: async (request, reply) => {
        const body =
          typeof request.body === 'string'
            ? request.body
            : request.body === undefined
              ? undefined
              : JSON.stringify(request.body);
        const neutral: AuthRequest = {
          method: request.method,
          path: request.url.split('?')[0]!,
          headers: request.headers,
          query: request.query as AuthRequest['query'],
          params: request.params as Record<string, string>,
          address: request.ip,
          requestId: request.id,
          ...(route.readsBody && body !== undefined ? { body } : {}),
        };
        const response = await route.handle(neutral);
        reply.code(response.status).headers(response.headers);
        return reply.send(response.stream ? Readable.from(response.stream) : response.body);
      },
    });
  }
  await server.listen(port);
  return {
    url,
    adminToken,
    service,
    async close() {
      await server.close();
      store.close?.();
    },
  };
}
