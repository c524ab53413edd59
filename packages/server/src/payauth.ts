import type { Mechanism } from '@payauth/core';
import { InvalidOptionError, mechanisms } from '@payauth/core';
import type { Redis } from 'ioredis';
import { type AdminOptions, createAdminRoutes } from './admin/routes.ts';
import { AuditRecorder } from './audit/recorder.ts';
import { type BudgetLimit, FailureBudget } from './budget/failure-budget.ts';
import { type AuthConfig, type AuthConfigOverrides, resolveConfig } from './config.ts';
import type { AuthContext } from './context.ts';
import { createCredentialsFacade, type PayauthCredentials } from './credentials/facade.ts';
import { CredentialResolver } from './credentials/resolver.ts';
import { CredentialService } from './credentials/service.ts';
import { createDashboardRoutes } from './dashboard/routes.ts';
import { type DemoCredentials, seedDemo } from './demo/seed.ts';
import { assertMechanism, createGuards, GUARD_SURFACE, type Guard } from './guards/authenticate.ts';
import { refuseAmbiguous, withClock } from './http/dispatch.ts';
import { renderFailure } from './http/failure.ts';
import { createEndpointRoutes, createSandboxRoutes } from './http/routes.ts';
import type { AuthRequest, GuardResult, Route } from './http/types.ts';
import type { MetricsOptions, PayauthMetrics } from './metrics/metrics.ts';
import { createOpenApiRoute } from './openapi/route.ts';
import { releaseReservation } from './rejection.ts';
import { type RejectionEvent, RejectionListeners } from './rejection-events.ts';
import { createScenarioClock, ScenarioEngine } from './scenarios/engine.ts';
import { Envelope, parseMasterKey } from './secrets/envelope.ts';
import { createIdFingerprint } from './secrets/fingerprint.ts';
import { openConfiguredState, type StateKind } from './state/open.ts';
import type { SharedState } from './state/types.ts';
import { openStore } from './store/open.ts';
import type { PayauthStore } from './store/types.ts';
import { TokenIssuer } from './tokens/issuer.ts';
import { openTracing } from './tracing/tracing.ts';

/** A logger payauth writes to: pino's, or anything with an `info(object)` method. */
export interface PayauthLogger {
  info(entry: Record<string, unknown>): void;
}

/** Options of {@link createPayauth}. Only `store` is required; everything else has a documented default. */
export interface PayauthOptions {
  /**
   * The credential store: a SQLite file path, `':memory:'`, a `postgres://` URL (the `pg` driver loads only then),
   * or a store object (`SqliteStore`, `PostgresStore`, `MemoryStore`, or your own {@link PayauthStore}).
   */
  readonly store: string | PayauthStore;
  /**
   * The public base URL clients use (behind a proxy, the proxy's): the token endpoint URL, the assertions' `aud` and
   * the tokens' `iss` derive from it. Default `http://127.0.0.1:8080`.
   */
  readonly issuer?: string;
  /**
   * Shared state for several instances: a `redis://` URL or an ioredis client you manage (ioredis loads only then),
   * or any {@link SharedState}. Default: in-process memory (one instance).
   */
  readonly redis?: string | Redis | SharedState;
  /** Key prefix in Redis (default `payauth:`). */
  readonly redisPrefix?: string;
  /**
   * The shared state without Redis: `'postgres'` (the store's PostgreSQL database; the default with a `postgres://`
   * store and no `redis`), `'memory'` (this process only), or any {@link SharedState} (docs/deployment.md).
   */
  readonly state?: StateKind | SharedState;
  /** The master key that encrypts stored secrets (32 bytes, or 64 hex digits / base64). Default: `PAYAUTH_MASTER_KEY`,
   * else a `<store>.master-key` file beside a SQLite file, else (`:memory:`) a random key. Required with PostgreSQL
   * (unless the variable is set). With a store object, required unless the variable is set. */
  readonly masterKey?: string | Buffer;
  /** An {@link Envelope} you built (instead of `masterKey`), e.g. shared with a `CredentialService` of your own. */
  readonly envelope?: Envelope;
  /** Seed the documents' sample credentials (and write the eMoney client's key files to `demoDirectory`). */
  readonly demo?: boolean;
  /** Where the demo's files go (default: beside a SQLite store, else the working directory). */
  readonly demoDirectory?: string;
  /** Sandbox: a `Payauth-Hint` header naming the cause on every rejection (default: on with `demo`). */
  readonly hints?: boolean;
  /** Serve the sandbox's protected resources and `/health` too (default: on with `demo`). */
  readonly sandbox?: boolean;
  /**
   * Rehearsal scenarios (docs/admin.md, "Scenarios"): the `Payauth-Scenario` header and `/admin/api/scenarios`
   * make the token endpoints, guards and JWKS fail on purpose. Default: on with `demo` only; off, the header is
   * ignored and the routes do not exist. Never turn it on in production.
   */
  readonly scenarios?: boolean;
  /** Overrides of the guards' and endpoints' settings, at any depth (the documented defaults (docs/server.md) otherwise). */
  readonly config?: AuthConfigOverrides;
  /** Failure budgets (defaults: 100 failures per credential, 1,000 per address, per minute). */
  readonly failureBudget?: {
    readonly perCredential?: BudgetLimit;
    readonly perAddress?: BudgetLimit;
    readonly whenUnavailable?: 'open' | 'closed';
  };
  /** Algorithm of new token-signing keys: `EdDSA` (default; ~10x faster to sign) or `RS256`. */
  readonly tokenAlgorithm?: 'EdDSA' | 'RS256';
  /** Audit rows for successes: counted per second (default) or one per request. */
  readonly auditSuccesses?: 'each' | 'per-second';
  /** How often the signing keys are re-read from the store (default 10 s). */
  readonly keyReloadIntervalMs?: number;
  /** How often the store's change counter is polled (default 500 ms). */
  readonly pollIntervalMs?: number;
  /** Where rejections are logged (one line each, never a secret). Default: nowhere. */
  readonly logger?: PayauthLogger | false;
  /** A clock, for tests (default `Date.now`). */
  readonly now?: () => number;
  /**
   * The admin API under `/admin/api` (docs/admin.md): off unless given. `token` (16+ characters) is the Bearer token
   * it requires; it answers loopback clients only unless `allowRemote`, and refuses other origins. The dashboard, its
   * browser client, is served with it under `/dashboard/` (docs/dashboard.md).
   */
  readonly admin?: AdminOptions;
  /** Prometheus metrics at `GET /metrics` in a registry of this instance (default: on with `sandbox`/`demo`). */
  readonly metrics?: boolean | MetricsOptions;
  /** The OpenAPI 3.1 document at `GET /openapi.json` (default: on with `sandbox`/`demo` or `admin`). */
  readonly openapi?: boolean;
  /**
   * OpenTelemetry spans per guard check and token request through `@opentelemetry/api`, when that optional peer is
   * installed, to the tracer provider registered with it (docs/deployment.md, "Tracing"). Default `true`; `false`
   * loads nothing.
   */
  readonly tracing?: boolean;
}

/** A payauth instance: configuration, store, shared state, keys and clock, and what adapters serve. */
export interface Payauth extends AuthContext {
  /** Create, rotate, revoke and list credentials. */
  readonly credentials: PayauthCredentials;
  /** The routes adapters serve: token endpoints, metadata, JWKS (and the sandbox's resources, and added routes). */
  readonly routes: readonly Route[];
  /** The demo credentials, when `demo` was set. */
  readonly demo: DemoCredentials | undefined;
  /** Where the store is (file path, `:memory:`, URL without password), for messages. */
  readonly location: string;
  /** Adds neutral routes (admin API, dashboard, metrics…) served by every adapter mounted afterwards. */
  addRoutes(routes: readonly Route[]): void;
  /** Checks one request for one mechanism; never throws (an unreachable store is a 503 in the mechanism's shape). */
  authenticate(mechanism: Mechanism, request: AuthRequest): Promise<GuardResult>;
  /**
   * The check of one mechanism, resolved once, for an adapter to call per request: the same verdicts as
   * {@link Payauth.authenticate}, never throwing, but answered without a promise when nothing had to wait (in-process
   * shared state, a cached credential or token), so a framework's synchronous hook path stays synchronous.
   *
   * @example
   * ```ts
   * const check = payauth.guard('hmac'); const result = check(request); if (result instanceof Promise) …
   * ```
   */
  guard(mechanism: Mechanism): (request: AuthRequest) => GuardResult | Promise<GuardResult>;
  /** Calls `listener` on every refusal; returns the function that stops it. */
  onRejection(listener: (event: RejectionEvent) => void): () => void;
  /** The Prometheus metrics, when enabled (`metrics` option). */
  readonly metrics: PayauthMetrics | undefined;
  /** The rehearsal scenarios, when enabled (`scenarios` option, on with `demo`). */
  readonly scenarios: ScenarioEngine | undefined;
  /**
   * Ends the open event streams (`GET /admin/api/events`), which would otherwise keep an HTTP server from closing.
   * `close()` calls it; the Fastify plugin calls it when the app closes. With another framework, call it (or
   * `close()`) before closing your HTTP server.
   */
  endStreams(): void;
  /** Flushes the audit trail, stops timers, closes the store and the shared state (those it opened). */
  close(): Promise<void>;
}

/**
 * Wraps a guard into a check that never throws: two `Host` headers are refused first, an error the guard did not
 * handle (an unreachable store) gives its budget reservation back and answers 503/500 in the mechanism's shape, and
 * with an injected clock every refusal carries the server's `Date`. Synchronous when the guard answered at once.
 */
function createCheck(
  context: AuthContext,
  mechanism: Mechanism,
  guard: Guard,
): (request: AuthRequest) => GuardResult | Promise<GuardResult> {
  const surface = GUARD_SURFACE[mechanism];
  const fail = (request: AuthRequest, error: unknown): GuardResult => {
    releaseReservation(context, request);
    const failure = renderFailure(error, surface, request.requestId);
    context.log(failure.log);
    return { ok: false, response: withClock(context, failure.response) };
  };
  const settle = (result: GuardResult): GuardResult =>
    result.ok ? result : { ok: false, response: withClock(context, result.response) };
  return function check(request) {
    const ambiguous = refuseAmbiguous(context, request, surface);
    if (ambiguous !== undefined) return { ok: false, response: withClock(context, ambiguous) };
    let result: GuardResult | Promise<GuardResult>;
    try {
      result = guard(request);
    } catch (error) {
      return fail(request, error);
    }
    return result instanceof Promise
      ? result.then(settle, (error: unknown) => fail(request, error))
      : settle(result);
  };
}

/**
 * Builds payauth once — configuration with its defaults, store, shared state, keys, clock, audit trail — for an
 * adapter to serve (`@payauth/server/express`, `/hono`, `/fastify`, `/fetch`) and for `payauth serve`.
 *
 * @example
 * ```ts
 * import { createPayauth } from '@payauth/server'
 * const payauth = await createPayauth({ store: './payauth.db', issuer: 'https://api.example.com' })
 * const { accessKey, secretKey } = await payauth.credentials.create('hmac', { partner: 'acme' })
 * await payauth.close()
 * ```
 */
export async function createPayauth(options: PayauthOptions): Promise<Payauth> {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object');
  if (typeof options.store !== 'string' && (typeof options.store !== 'object' || options.store === null)) {
    throw new InvalidOptionError('store', "a SQLite path, ':memory:', a postgres:// URL or a store object");
  }
  const issuerUrl = options.issuer ?? 'http://127.0.0.1:8080';
  if (!/^https?:\/\/[^\s/]+/.test(issuerUrl)) throw new InvalidOptionError('issuer', 'an http(s) URL');
  // With scenarios on, every part reads the sandbox clock, which `clock-skew` moves for one request.
  const clock =
    (options.scenarios ?? options.demo ?? false)
      ? await createScenarioClock(options.now ?? Date.now)
      : undefined;
  const now = clock?.now ?? options.now ?? Date.now;
  const opened =
    typeof options.store === 'string'
      ? await openStore(
          options.store,
          options.masterKey === undefined ? {} : { masterKey: options.masterKey },
        )
      : {
          store: options.store,
          envelope:
            options.envelope ??
            new Envelope(
              options.masterKey === undefined
                ? parseMasterKey(process.env.PAYAUTH_MASTER_KEY ?? missingMasterKey())
                : Buffer.isBuffer(options.masterKey)
                  ? options.masterKey
                  : parseMasterKey(options.masterKey),
            ),
          directory: process.cwd(),
          location: 'custom store',
        };
  const { store, envelope } = opened;
  const { state, owned: ownsState } = await openConfiguredState({ ...options, now });
  const service = new CredentialService({ store, envelope, now });
  const config: AuthConfig = resolveConfig(issuerUrl, {
    ...options.config,
    hints: options.hints ?? options.config?.hints ?? options.demo ?? false,
  });
  const demo = options.demo
    ? await seedDemo({
        service,
        store,
        directory: options.demoDirectory ?? opened.directory,
        issuer: config.issuer,
      })
    : undefined;
  const resolver = new CredentialResolver({
    store,
    envelope,
    state,
    now,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  await resolver.start();
  // A store that can push change notices (PostgreSQL LISTEN/NOTIFY) clears the cache at once; polling stays as backstop.
  const listening = store as PayauthStore & {
    listen?: (onChange: (id: string) => void) => Promise<() => Promise<void>>;
  };
  const stopListening = listening.listen
    ? await listening.listen(() => resolver.clear()).catch(() => undefined)
    : undefined;
  const issuer = await TokenIssuer.open({
    store,
    envelope,
    issuer: config.issuer,
    now,
    ...(options.tokenAlgorithm === undefined ? {} : { algorithm: options.tokenAlgorithm }),
  });
  issuer.watch(options.keyReloadIntervalMs);
  const scenarios = clock && new ScenarioEngine({ clock, issuer, store });
  const logger = options.logger ?? false;
  const audit = new AuditRecorder({
    store,
    log: logger === false ? () => {} : (entry) => logger.info(entry),
    ...(options.auditSuccesses ? { successes: options.auditSuccesses } : {}),
  });
  const rejections = new RejectionListeners();
  const fingerprint = createIdFingerprint(envelope.deriveKey('public-id-fingerprint'));
  const context: AuthContext = {
    config,
    store,
    state,
    resolver,
    issuer,
    audit,
    budget: new FailureBudget({ state, now, fingerprint, ...options.failureBudget }),
    envelope,
    now,
    log: logger === false ? () => {} : (entry) => logger.info(entry),
    rejections,
    fingerprint,
  };
  const tracing = await openTracing(options.tracing ?? true, rejections);
  const guards: Readonly<Record<Mechanism, Guard>> = tracing.guards(createGuards(context));
  const checks = Object.fromEntries(
    mechanisms.map((mechanism) => [
      mechanism,
      createCheck(
        context,
        mechanism,
        scenarios?.wrapGuard(mechanism, guards[mechanism]) ?? guards[mechanism],
      ),
    ]),
  ) as Record<Mechanism, ReturnType<typeof createCheck>>;
  const sandbox = options.sandbox ?? options.demo ?? false;
  const metricsOption = options.metrics ?? sandbox;
  // prom-client loads only when metrics are on.
  const metrics =
    metricsOption === false
      ? undefined
      : (await import('./metrics/metrics.ts')).createMetrics(
          { resolver, state, onRejection: (listener) => rejections.add(listener) },
          metricsOption === true ? {} : metricsOption,
        );
  // Every route is counted by the metrics wrapper (when on), those added later too.
  const instrument = (list: readonly Route[]): Route[] =>
    metrics === undefined ? [...list] : list.map((route) => metrics.instrument(route));
  const rehearse = (list: readonly Route[]): Route[] =>
    list.map((route) => scenarios?.wrapRoute(route) ?? route);
  const routes: Route[] = instrument(tracing.routes(rehearse(createEndpointRoutes(context))));
  if (sandbox) routes.push(...instrument(rehearse(createSandboxRoutes(context, guards))));
  let closed = false;
  const closing = new AbortController();
  const payauth: Payauth = {
    ...context,
    credentials: createCredentialsFacade(service),
    routes,
    demo,
    location: opened.location,
    metrics,
    scenarios,
    endStreams() {
      closing.abort();
    },
    addRoutes(extra) {
      routes.push(...instrument(extra));
    },
    async authenticate(mechanism, request) {
      assertMechanism(mechanism);
      return checks[mechanism](request);
    },
    guard(mechanism) {
      assertMechanism(mechanism);
      return checks[mechanism];
    },
    onRejection(listener) {
      return rejections.add(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      scenarios?.close();
      metrics?.close();
      resolver.stop();
      issuer.stop();
      await stopListening?.();
      await audit.close();
      if (ownsState) await state.close();
      if (typeof options.store === 'string') await store.close();
    },
  };
  if (options.admin !== undefined) {
    payauth.addRoutes(createAdminRoutes(payauth, { ...options.admin, signal: closing.signal }));
  }
  // The dashboard (docs/dashboard.md) is the admin API's browser client: served with it, useless without it.
  if (options.admin !== undefined) payauth.addRoutes(createDashboardRoutes());
  if (metrics !== undefined) payauth.addRoutes([metrics.route]);
  if (options.openapi ?? (sandbox || options.admin !== undefined)) {
    payauth.addRoutes([
      createOpenApiRoute({
        issuer: config.issuer,
        admin: options.admin !== undefined,
        metrics: metrics !== undefined,
        sandbox,
        scenarios: scenarios !== undefined,
      }),
    ]);
  }
  return payauth;
}

function missingMasterKey(): never {
  throw new InvalidOptionError(
    'masterKey',
    'given (or PAYAUTH_MASTER_KEY set) with a store object: 32 bytes in hex or base64, e.g. from `openssl rand -hex 32`',
  );
}
