import { InvalidOptionError, type Mechanism, mechanisms } from '@payauth/core';
import type { AdminHost } from './admin/host.ts';
import { AuditRecorder } from './audit/recorder.ts';
import { FailureBudget } from './budget/failure-budget.ts';
import { resolveConfig } from './config.ts';
import type { AuthContext } from './context.ts';
import { createCredentialsFacade, type PayauthCredentials } from './credentials/facade.ts';
import { CredentialResolver } from './credentials/resolver.ts';
import { CredentialService } from './credentials/service.ts';
import { type DemoCredentials, seedDemo } from './demo/seed.ts';
import { assertMechanism, createGuards } from './guards/authenticate.ts';
import { type Check, createCheck } from './guards/check.ts';
import { createEndpointRoutes } from './http/routes.ts';
import type { AuthRequest, GuardResult, Route } from './http/types.ts';
import type { PayauthMetrics } from './metrics/metrics.ts';
import type { PayauthLogger, PayauthOptions } from './options.ts';
import { PAYAUTH_PARTS, type PartSetup } from './parts.ts';
import { type RejectionEvent, RejectionListeners } from './rejection-events.ts';
import { createScenarioClock, type ScenarioClock, ScenarioEngine } from './scenarios/engine.ts';
import { Envelope, parseMasterKey } from './secrets/envelope.ts';
import { createIdFingerprint } from './secrets/fingerprint.ts';
import { openConfiguredState } from './state/open.ts';
import type { SharedState } from './state/types.ts';
import { openStore } from './store/open.ts';

export type { PayauthLogger, PayauthOptions } from './options.ts';

import type { PayauthStore } from './store/types.ts';
import { TokenIssuer } from './tokens/issuer.ts';

/**
 * A payauth instance: what docs/embedding.md and docs/server.md document, and nothing more. The context the guards and
 * endpoints run on stays inside (see {@link contextOf}).
 */
export interface Payauth {
  /** Create, rotate, revoke and list credentials. */
  readonly credentials: PayauthCredentials;
  /** The routes adapters serve: token endpoints, metadata, JWKS (and the sandbox's resources, and added routes). */
  readonly routes: readonly Route[];
  /** The demo credentials, when `demo` was set. */
  readonly demo: DemoCredentials | undefined;
  /** Where the store is (file path, `:memory:`, URL without password), for messages. */
  readonly location: string;
  /** The audit trail: `health`, `rejectedRows` (docs/server.md, "Audit trail"), `flush()`. */
  readonly audit: AuditRecorder;
  /** The failure budgets: `skipped` counts the checks skipped while the shared state was unreachable. */
  readonly budget: { readonly skipped: number };
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
  /** The rehearsal scenarios, when enabled (`scenarios` option, on with `demo`; docs/admin.md, "Scenarios"). */
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

/** Where a payauth instance keeps its context: a symbol nobody outside this package can name. */
const CONTEXT = Symbol('payauth.context');

/**
 * The context behind a payauth instance (store, shared state, resolver, issuer…), for this package's adapters and the
 * repository's tests: not exported from `@payauth/server`, so not public.
 *
 * @internal
 */
export function contextOf(payauth: Payauth): AuthContext {
  const context = (payauth as Payauth & { readonly [CONTEXT]?: AuthContext })[CONTEXT];
  if (context === undefined) throw new TypeError('not a payauth instance made by createPayauth');
  return context;
}

/**
 * What the admin API and the metrics see of an instance (an interface of its own: no import cycle).
 *
 * @internal
 */
export function adminHostOf(payauth: Payauth): AdminHost {
  return adminHostFrom(contextOf(payauth), payauth.credentials, payauth.scenarios);
}

function adminHostFrom(
  context: AuthContext,
  credentials: PayauthCredentials,
  scenarios: ScenarioEngine | undefined,
): AdminHost {
  return { ...context, credentials, scenarios, onRejection: (listener) => context.rejections.add(listener) };
}

/**
 * What `createPayauth` opened, closed in the reverse order: by `close()`, or at once when a later step throws, so a
 * failed start leaks no connection, file or timer (better-auth's `context/init.ts` builds its context the same way).
 */
class Opened {
  readonly #closers: Array<() => unknown> = [];
  /** Registers how to close what was just opened. */
  add(close: () => unknown): void {
    this.#closers.push(close);
  }
  /** Closes everything registered, newest first; every closer runs even if one throws (the first error is thrown). */
  async close(): Promise<void> {
    let failure: unknown;
    for (const close of this.#closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/** Step 1's result: where credentials and shared counters live. */
interface Storage {
  readonly store: PayauthStore;
  readonly envelope: Envelope;
  readonly state: SharedState;
  /** Where the demo's files go by default. */
  readonly directory: string;
  readonly location: string;
}

/** Step 2's result: the context guards and endpoints run on, and what the instance exposes beside it. */
interface Built {
  readonly context: AuthContext;
  readonly credentials: PayauthCredentials;
  readonly demo: DemoCredentials | undefined;
  readonly location: string;
  readonly scenarios: ScenarioEngine | undefined;
}

/**
 * Builds payauth once — configuration with its defaults, store, shared state, keys, clock, audit trail — for an
 * adapter to serve (`@payauth/server/express`, `/hono`, `/fastify`, `/fetch`) and for `payauth serve`. Three steps
 * (docs/architecture.md): open the storage, build the context, attach the optional parts; a step that throws closes
 * what the earlier ones opened.
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
  checkOptions(options);
  const opened = new Opened();
  try {
    // With scenarios on, every step reads the sandbox clock, which `clock-skew` moves for one request.
    const clock =
      (options.scenarios ?? options.demo ?? false)
        ? await createScenarioClock(options.now ?? Date.now)
        : undefined;
    const clocked = clock === undefined ? options : { ...options, now: clock.now };
    const storage = await openStorage(clocked, opened);
    const built = await buildContext(clocked, storage, opened, clock);
    return await attachParts(clocked, built, opened);
  } catch (error) {
    await opened.close().catch(() => {});
    throw error;
  }
}

function checkOptions(options: PayauthOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'an object');
  if (typeof options.store !== 'string' && (typeof options.store !== 'object' || options.store === null)) {
    throw new InvalidOptionError('store', "a SQLite path, ':memory:', a postgres:// URL or a store object");
  }
  if (!/^https?:\/\/[^\s/]+/.test(options.issuer ?? 'http://127.0.0.1:8080')) {
    throw new InvalidOptionError('issuer', 'an http(s) URL');
  }
}

/** Step 1: the credential store and the shared state (each closed by `close()` only when payauth opened it). */
async function openStorage(
  options: PayauthOptions,
  opened: Opened,
): Promise<Omit<Storage, 'state'> & Storage> {
  const given = options.store;
  const base =
    typeof given === 'string'
      ? await openStore(given, options.masterKey === undefined ? {} : { masterKey: options.masterKey })
      : {
          store: given,
          envelope: options.envelope ?? givenStoreEnvelope(options),
          directory: process.cwd(),
          location: 'custom store',
        };
  if (typeof given === 'string') opened.add(() => base.store.close());
  const { state, owned } = await openConfiguredState(options);
  if (owned) opened.add(() => state.close());
  return { ...base, state };
}

/** The envelope of a store object: the given master key, else `PAYAUTH_MASTER_KEY`. */
function givenStoreEnvelope(options: PayauthOptions): Envelope {
  const { masterKey } = options;
  if (Buffer.isBuffer(masterKey)) return new Envelope(masterKey);
  return new Envelope(parseMasterKey(masterKey ?? process.env.PAYAUTH_MASTER_KEY ?? missingMasterKey()));
}

/**
 * Step 2: configuration, demo seed, credential cache, token issuer, audit trail and (with a scenario clock) the
 * rehearsal scenarios, as one context.
 */
async function buildContext(
  options: PayauthOptions,
  storage: Storage,
  opened: Opened,
  clock: ScenarioClock | undefined,
): Promise<Built> {
  const { store, envelope, state } = storage;
  const now = options.now ?? Date.now;
  const config = resolveConfig(options.issuer ?? 'http://127.0.0.1:8080', {
    ...options.config,
    hints: options.hints ?? options.config?.hints ?? options.demo ?? false,
  });
  const service = new CredentialService({ store, envelope, now });
  const demo = options.demo
    ? await seedDemo({
        service,
        store,
        directory: options.demoDirectory ?? storage.directory,
        issuer: config.issuer,
      })
    : undefined;
  const resolver = await startResolver(options, storage, opened);
  const issuer = await TokenIssuer.open({
    store,
    envelope,
    issuer: config.issuer,
    now,
    ...(options.tokenAlgorithm === undefined ? {} : { algorithm: options.tokenAlgorithm }),
  });
  opened.add(() => issuer.stop());
  issuer.watch(options.keyReloadIntervalMs);
  const log = logOf(options.logger);
  const audit = new AuditRecorder({
    store,
    log,
    ...(options.auditSuccesses ? { successes: options.auditSuccesses } : {}),
  });
  opened.add(() => audit.close());
  const fingerprint = createIdFingerprint(envelope.deriveKey('public-id-fingerprint'));
  const budget = new FailureBudget({ state, now, fingerprint, ...options.failureBudget });
  const rejections = new RejectionListeners();
  const context: AuthContext = {
    config,
    store,
    state,
    resolver,
    issuer,
    audit,
    budget,
    envelope,
    now,
    log,
    rejections,
    fingerprint,
  };
  const scenarios = clock && new ScenarioEngine({ clock, issuer, store });
  if (scenarios !== undefined) opened.add(() => scenarios.close());
  const credentials = createCredentialsFacade(service);
  return { context, credentials, demo, location: storage.location, scenarios };
}

/** The credential cache, polling the store, and cleared at once by a store that pushes change notices. */
async function startResolver(
  options: PayauthOptions,
  storage: Storage,
  opened: Opened,
): Promise<CredentialResolver> {
  const { store, envelope, state } = storage;
  const resolver = new CredentialResolver({
    store,
    envelope,
    state,
    now: options.now ?? Date.now,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  await resolver.start();
  opened.add(() => resolver.stop());
  const stopListening = await store.listen?.(() => resolver.clear()).catch(() => undefined);
  if (stopListening !== undefined) opened.add(stopListening);
  return resolver;
}

/** The one adapter from the `logger` option to the context's `log`. */
function logOf(logger: PayauthLogger | false | undefined): (entry: Record<string, unknown>) => void {
  return logger ? (entry) => logger.info(entry) : () => {};
}

/**
 * Step 3: the guards and routes, then each optional part of {@link PAYAUTH_PARTS} in turn (sandbox, admin API and
 * dashboard, metrics, OpenAPI), then the instance. A part adds routes, wraps routes or guards, and registers what
 * to close.
 */
async function attachParts(options: PayauthOptions, built: Built, opened: Opened): Promise<Payauth> {
  const { context } = built;
  const closing = new AbortController();
  opened.add(() => closing.abort());
  const setup = createPartSetup(options, built, closing.signal, opened);
  setup.addRoutes(createEndpointRoutes(context));
  for (const part of PAYAUTH_PARTS) await part(setup);
  // Scenarios meet a guarded request here, at the check; the sandbox's resources meet them as routes (parts.ts).
  const checked = (mechanism: Mechanism) =>
    built.scenarios?.wrapGuard(mechanism, setup.guards[mechanism]) ?? setup.guards[mechanism];
  const checks = Object.fromEntries(
    mechanisms.map((mechanism) => [mechanism, createCheck(context, mechanism, checked(mechanism))]),
  ) as Record<Mechanism, Check>;
  let closed = false;
  const payauth: Payauth & { readonly [CONTEXT]: AuthContext } = {
    [CONTEXT]: context,
    credentials: built.credentials,
    routes: setup.routes,
    demo: built.demo,
    location: built.location,
    audit: context.audit,
    budget: {
      get skipped() {
        return context.budget.skipped;
      },
    },
    metrics: setup.metrics,
    scenarios: built.scenarios,
    addRoutes: (routes) => setup.addRoutes(routes),
    endStreams: () => closing.abort(),
    async authenticate(mechanism, request) {
      assertMechanism(mechanism);
      return checks[mechanism](request);
    },
    guard(mechanism) {
      assertMechanism(mechanism);
      return checks[mechanism];
    },
    onRejection: (listener) => context.rejections.add(listener),
    async close() {
      if (closed) return;
      closed = true;
      await opened.close();
    },
  };
  return payauth;
}

/** What the parts work on: the routes served (every wrapper applied to those added later too) and the guards. */
function createPartSetup(
  options: PayauthOptions,
  built: Built,
  signal: AbortSignal,
  opened: Opened,
): PartSetup {
  const { context } = built;
  const routes: Route[] = [];
  const wrappers: Array<(route: Route) => Route> = [];
  const wrap = (route: Route) => wrappers.reduce((wrapped, wrapper) => wrapper(wrapped), route);
  const guards = { ...createGuards(context) };
  return {
    options,
    context,
    host: adminHostFrom(context, built.credentials, built.scenarios),
    scenarios: built.scenarios,
    guards,
    routes,
    signal,
    metrics: undefined,
    addRoutes: (added) => routes.push(...added.map(wrap)),
    wrapRoutes(wrapper) {
      wrappers.push(wrapper);
      routes.splice(0, routes.length, ...routes.map(wrapper));
    },
    wrapGuards(wrapper) {
      for (const mechanism of mechanisms) guards[mechanism] = wrapper(mechanism, guards[mechanism]);
    },
    onClose: (close) => opened.add(close),
  };
}

function missingMasterKey(): never {
  throw new InvalidOptionError(
    'masterKey',
    'given (or PAYAUTH_MASTER_KEY set) with a store object: 32 bytes in hex or base64, e.g. from `openssl rand -hex 32`',
  );
}
