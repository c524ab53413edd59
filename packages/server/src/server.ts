import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AuditRecorder } from './audit/recorder.ts';
import { type AuthConfig, type AuthContext, defaultAuthConfig } from './context.ts';
import { CredentialResolver } from './credentials/resolver.ts';
import { type BudgetLimit, FailureBudget } from './guards/failure-budget.ts';
import { createFastifyApp } from './http/fastify.ts';
import type { Envelope } from './secrets/envelope.ts';
import { MemorySharedState } from './state/memory.ts';
import type { SharedState } from './state/types.ts';
import type { CredentialStore } from './store/types.ts';
import { TokenIssuer } from './tokens/issuer.ts';

/** Options of {@link createPayauthServer}. */
export interface PayauthServerOptions {
  readonly store: CredentialStore;
  readonly envelope: Envelope;
  /** Shared state; in-process memory by default. */
  readonly state?: SharedState;
  /** The public base URL (default `http://127.0.0.1:<port>` once listening is not known yet, so pass it). */
  readonly issuer: string;
  readonly hints?: boolean;
  readonly config?: Partial<Omit<AuthConfig, 'issuer' | 'hints'>>;
  readonly failureBudget?: {
    perCredential?: BudgetLimit;
    perAddress?: BudgetLimit;
    whenUnavailable?: 'open' | 'closed';
  };
  /** Algorithm of new token-signing keys: EdDSA (default; ~10x faster to sign) or RS256. */
  readonly tokenAlgorithm?: 'EdDSA' | 'RS256';
  /** Audit rows for successes: counted per second (default) or one per request. */
  readonly auditSuccesses?: 'each' | 'per-second';
  /** How often the signing keys are re-read from the store (default 10 s). */
  readonly keyReloadIntervalMs?: number;
  /** How often the store's change counter is polled (default 500 ms). */
  readonly pollIntervalMs?: number;
  /** Trust X-Forwarded-For from: `true`, a number of hops, or addresses/CIDRs (comma-separated). Default: no. */
  readonly trustProxy?: boolean | number | string;
  /** A pino logger, or false for none. */
  readonly logger?: Logger | false;
  /** A clock, for tests (default `Date.now`). */
  readonly now?: () => number;
}

/** A running payauth server. */
export interface PayauthServer {
  readonly app: FastifyInstance;
  readonly context: AuthContext;
  /** Starts listening; resolves to the base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Drains connections, flushes the audit trail, closes the store and state. */
  close(): Promise<void>;
}

/**
 * Assembles the sandbox/production server: store, shared state, credential resolver, token issuer, failure budgets,
 * audit recorder and the Fastify application.
 *
 * @example
 * ```ts
 * const server = await createPayauthServer({ store, envelope, issuer: 'http://127.0.0.1:8080' })
 * await server.listen(8080)
 * ```
 */
export async function createPayauthServer(options: PayauthServerOptions): Promise<PayauthServer> {
  const now = options.now ?? Date.now;
  const state = options.state ?? new MemorySharedState({ now });
  const store = options.store;
  const logger = options.logger ?? false;
  const resolver = new CredentialResolver({
    store,
    envelope: options.envelope,
    state,
    now,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  await resolver.start();
  // A store that can push change notices (PostgreSQL LISTEN/NOTIFY) clears the cache at once; polling stays as backstop.
  const listening = store as CredentialStore & {
    listen?: (onChange: (id: string) => void) => Promise<() => Promise<void>>;
  };
  const stopListening = listening.listen
    ? await listening.listen(() => resolver.clear()).catch(() => undefined)
    : undefined;
  const issuer = await TokenIssuer.open({
    store,
    envelope: options.envelope,
    issuer: options.issuer.replace(/\/+$/, ''),
    now,
  });
  issuer.watch(options.keyReloadIntervalMs);
  const audit = new AuditRecorder({
    store,
    ...(options.auditSuccesses ? { successes: options.auditSuccesses } : {}),
  });
  const config = defaultAuthConfig(options.issuer, { hints: options.hints ?? false, ...options.config });
  const context: AuthContext = {
    config,
    store,
    state,
    resolver,
    issuer,
    audit,
    budget: new FailureBudget({ state, now, ...options.failureBudget }),
    envelope: options.envelope,
    now,
    log: logger === false ? () => {} : (entry) => logger.info(entry),
  };
  const app = createFastifyApp(
    context,
    logger,
    options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy },
  );
  let closed = false;
  return {
    app,
    context,
    async listen(port, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      return `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      resolver.stop();
      issuer.stop();
      await stopListening?.();
      await audit.close();
      await state.close();
      await store.close();
    },
  };
}
