import type { Socket } from 'node:net';
import { InvalidOptionError } from '@payauth/core';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { payauthPlugin } from './adapters/fastify.ts';
import { createHealthRoutes } from './health/probes.ts';
import { renderNotFound } from './http/failure.ts';
import { createRequestId } from './http/request-id.ts';
import { contextOf, createPayauth, type Payauth, type PayauthOptions } from './payauth.ts';

/** Options of {@link createPayauthServer}: those of `createPayauth`, and the HTTP server's. */
export interface PayauthServerOptions extends Omit<PayauthOptions, 'logger'> {
  /** Trust X-Forwarded-For from: `true`, a number of hops, or addresses/CIDRs (comma-separated). Default: no. */
  readonly trustProxy?: boolean | number | string;
  /** A pino logger, or false for none. */
  readonly logger?: Logger | false;
  /** Limits of slow clients: the whole request (default 10 s), headers (default 10 s), an idle keep-alive (5 s). */
  readonly timeouts?: {
    readonly requestMs?: number;
    readonly headersMs?: number;
    readonly keepAliveMs?: number;
  };
  /**
   * Open connections per peer address at most (0, the default: no cap); a connection past it is closed at once.
   * The peer is the TCP peer: behind a load balancer, leave it off (every connection comes from the balancer).
   */
  readonly maxConnectionsPerAddress?: number;
  /**
   * On `close()`, how long requests in flight may take to finish before their connections are cut (default 10 s,
   * SPEC.md "Run as a service"); the audit trail is flushed and the store closed after them either way.
   */
  readonly drainTimeoutMs?: number;
}

/** How long `close()` waits for requests in flight by default (SPEC.md, "Run as a service"). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** Default limits of slow clients (docs/server.md, "Slow clients"). */
const DEFAULT_TIMEOUTS = { requestMs: 10_000, headersMs: 10_000, keepAliveMs: 5_000 } as const;

/** A running payauth server: `payauth serve` as a library. */
export interface PayauthServer {
  readonly app: FastifyInstance;
  readonly payauth: Payauth;
  /** Starts listening; resolves to the base URL. */
  listen(port: number, host?: string): Promise<string>;
  /**
   * Drains: stops accepting, lets requests in flight finish (up to `drainTimeoutMs`, then cuts them), then closes
   * payauth (flushes the audit trail, closes the store and state).
   */
  close(): Promise<void>;
}

/** Closes a new connection when its peer already holds `limit` open ones (0: no cap). */
function capConnections(app: FastifyInstance, limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new InvalidOptionError('maxConnectionsPerAddress', 'a whole number, 0 for no cap');
  }
  if (limit === 0) return;
  const open = new Map<string, number>();
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = open.get(address) ?? 0;
    if (count >= limit) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * The standalone server of `payauth serve`: `createPayauth` served by the Fastify adapter, with the sandbox's 404,
 * request ids of Fondy's shape and bounded slow clients.
 *
 * @example
 * ```ts
 * const server = await createPayauthServer({ store: ':memory:', issuer: 'http://127.0.0.1:8080', demo: true })
 * await server.listen(8080)
 * ```
 */
export async function createPayauthServer(options: PayauthServerOptions): Promise<PayauthServer> {
  const logger = options.logger ?? false;
  const payauth = await createPayauth({
    sandbox: true,
    ...options,
    logger: logger === false ? false : { info: (entry) => logger.info(entry) },
  });
  const requestMs = options.timeouts?.requestMs ?? DEFAULT_TIMEOUTS.requestMs;
  const headersMs = options.timeouts?.headersMs ?? DEFAULT_TIMEOUTS.headersMs;
  const keepAliveMs = options.timeouts?.keepAliveMs ?? DEFAULT_TIMEOUTS.keepAliveMs;
  for (const [name, value] of [
    ['timeouts.requestMs', requestMs],
    ['timeouts.headersMs', headersMs],
    ['timeouts.keepAliveMs', keepAliveMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 100) throw new InvalidOptionError(name, 'at least 100 ms');
  }
  const common = {
    genReqId: createRequestId,
    requestIdHeader: false,
    // Per-request lines are off: rejections are logged with their reason code and request id.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestTimeout: requestMs,
    keepAliveTimeout: keepAliveMs,
    // Node checks request and header timeouts every connectionsCheckingInterval (30 s by default), so a body that
    // never arrives would hold its connection up to 30 s past the limit: check at a quarter of the shortest limit.
    http: {
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(30_000, Math.floor(Math.min(requestMs, headersMs) / 4)),
      ),
    },
    // Behind a load balancer, the client address (failure budgets, audit trail) comes from X-Forwarded-For.
    trustProxy: (options.trustProxy ?? false) as boolean,
  } as const;
  const app: FastifyInstance =
    logger === false
      ? Fastify({ ...common, logger: false })
      : (Fastify({ ...common, loggerInstance: logger }) as unknown as FastifyInstance);
  app.server.headersTimeout = Math.min(headersMs, requestMs);
  capConnections(app, options.maxConnectionsPerAddress ?? 0);
  const drainMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (!Number.isSafeInteger(drainMs) || drainMs < 0)
    throw new InvalidOptionError('drainTimeoutMs', 'milliseconds');
  // The probes of a deployment: /health/live and /health/ready (docs/deployment.md).
  payauth.addRoutes(createHealthRoutes(contextOf(payauth)));
  // While draining, an answer ends its connection: a keep-alive connection would otherwise stay open, idle, until
  // its keep-alive timeout, holding the drain (and the audit flush) back by up to 5 s.
  let draining = false;
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  await app.register(payauthPlugin, { payauth });
  app.setNotFoundHandler((request, reply) => {
    const answer = renderNotFound(request.method, request.url.split('?')[0] ?? '');
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
  let closing: Promise<void> | undefined;
  return {
    app,
    payauth,
    async listen(port, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      return `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    },
    close() {
      closing ??= (async () => {
        draining = true;
        // Fastify stops accepting, answers 503 to new requests on open connections and closes idle ones; a request
        // still running after the drain timeout has its connection cut so that the audit rows are flushed in time.
        const cut = setTimeout(() => app.server.closeAllConnections(), drainMs);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
          await payauth.close();
        }
      })();
      return closing;
    },
  };
}
