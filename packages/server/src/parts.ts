import type { Mechanism } from '@payauth/core';
import type { AdminHost } from './admin/host.ts';
import { createAdminRoutes } from './admin/routes.ts';
import type { AuthContext } from './context.ts';
import { createDashboardRoutes } from './dashboard/routes.ts';
import type { Guard } from './guards/authenticate.ts';
import { createSandboxRoutes } from './http/routes.ts';
import type { Route } from './http/types.ts';
import type { PayauthMetrics } from './metrics/metrics.ts';
import { createOpenApiRoute } from './openapi/route.ts';
import type { PayauthOptions } from './options.ts';
import type { ScenarioEngine } from './scenarios/engine.ts';
import { openTracing } from './tracing/tracing.ts';

/**
 * What an optional part of `createPayauth` works on (docs/architecture.md, "The steps of createPayauth"): the options,
 * the context, the guards and the routes served, and where to register what it opens.
 */
export interface PartSetup {
  readonly options: PayauthOptions;
  readonly context: AuthContext;
  /** The context as the admin API and the metrics see it. */
  readonly host: AdminHost;
  /** The guard of each mechanism; the checks `payauth.guard()` hands out are built from these after every part ran. */
  readonly guards: Record<Mechanism, Guard>;
  /** The routes adapters serve, in order. */
  readonly routes: Route[];
  /** The rehearsal scenarios, when they are on (sandbox only). */
  readonly scenarios: ScenarioEngine | undefined;
  /** Aborted when the instance closes (`close()`, `endStreams()`). */
  readonly signal: AbortSignal;
  /** Set by the metrics part. */
  metrics: PayauthMetrics | undefined;
  /** Adds routes (each through every route wrapper). */
  addRoutes(routes: readonly Route[]): void;
  /** Wraps every route: those already added, and those added later (by a part or by `payauth.addRoutes`). */
  wrapRoutes(wrapper: (route: Route) => Route): void;
  /** Wraps the guard of each mechanism (what the sandbox's resources and `payauth.guard()` call). */
  wrapGuards(wrapper: (mechanism: Mechanism, guard: Guard) => Guard): void;
  /** Registers what to close with the instance (newest first; also when a later step of `createPayauth` throws). */
  onClose(close: () => unknown): void;
}

/** One optional part of a payauth instance. */
export type PayauthPart = (setup: PartSetup) => void | Promise<void>;

/** Whether the sandbox's resources and `/health` are served (default: on with `demo`). */
function sandboxOn(options: PayauthOptions): boolean {
  return options.sandbox ?? options.demo ?? false;
}

/**
 * Rehearsal scenarios at the routes that are scenario points (token endpoints, sandbox resources, JWKS): innermost,
 * so the spans and the metrics see the answers they shape. Guarded requests meet them at the check (payauth.ts).
 */
const scenariosPart: PayauthPart = (setup) => {
  const { scenarios } = setup;
  if (scenarios !== undefined) setup.wrapRoutes((route) => scenarios.wrapRoute(route));
};

/** OpenTelemetry spans around every guard check and token request (nothing loaded with `tracing: false`). */
const tracingPart: PayauthPart = async (setup) => {
  const tracing = await openTracing(setup.options.tracing ?? true, setup.context.rejections);
  const traced = tracing.guards({ ...setup.guards });
  setup.wrapGuards((mechanism) => traced[mechanism]);
  setup.wrapRoutes((route) => tracing.routes([route])[0] ?? route);
};

/** The sandbox's protected resources and `/health`. */
const sandboxPart: PayauthPart = (setup) => {
  // The guards record is read per request, so a guard wrapped by a later part is the one the resources call.
  if (sandboxOn(setup.options)) setup.addRoutes(createSandboxRoutes(setup.context, setup.guards));
};

/** The admin API under `/admin/api` and the dashboard, its browser client (useless without it). */
const adminPart: PayauthPart = (setup) => {
  const admin = setup.options.admin;
  if (admin === undefined) return;
  setup.addRoutes(createAdminRoutes(setup.host, { ...admin, signal: setup.signal }));
  setup.addRoutes(createDashboardRoutes());
};

/** Prometheus metrics at `GET /metrics`; every route is counted (prom-client loads only when they are on). */
const metricsPart: PayauthPart = async (setup) => {
  const option = setup.options.metrics ?? sandboxOn(setup.options);
  if (option === false) return;
  const { createMetrics } = await import('./metrics/metrics.ts');
  const metrics = createMetrics(setup.host, option === true ? {} : option);
  setup.onClose(() => metrics.close());
  setup.metrics = metrics;
  setup.wrapRoutes((route) => metrics.instrument(route));
  setup.addRoutes([metrics.route]);
};

/** The OpenAPI 3.1 document at `GET /openapi.json` (default: on with the sandbox or the admin API). */
const openApiPart: PayauthPart = (setup) => {
  const { options } = setup;
  const sandbox = sandboxOn(options);
  if (!(options.openapi ?? (sandbox || options.admin !== undefined))) return;
  const route = createOpenApiRoute({
    issuer: setup.context.config.issuer,
    admin: options.admin !== undefined,
    metrics: setup.metrics !== undefined,
    sandbox,
    scenarios: setup.scenarios !== undefined,
  });
  setup.addRoutes([route]);
};

/**
 * The optional parts, attached in this order after the token endpoints (the routes keep it). A new part is one more
 * entry: a function of the {@link PartSetup}.
 */
export const PAYAUTH_PARTS: readonly PayauthPart[] = [
  scenariosPart,
  tracingPart,
  sandboxPart,
  adminPart,
  metricsPart,
  openApiPart,
];
