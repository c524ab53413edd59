import { performance } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AdminHost, RejectionEvent } from '../admin/host.ts';
import type { AuthRequest, NeutralResponse, Route } from '../http/types.ts';
import type { SharedState } from '../state/types.ts';

/** The mechanism each documented route serves (`none` for the others). */
const MECHANISM_BY_PATH: Readonly<Record<string, string>> = {
  '/api/accounts': 'hmac',
  '/accounts': 'hmac',
  '/authorizer/token/application/get': 'app-token',
  '/connect/token': 'private-key-jwt',
  '/public/v1/users': 'private-key-jwt',
  '/business/auth': 'api-key',
  '/business/balance': 'api-key',
};

/** The token endpoints: a 200 there is one token issued. */
const TOKEN_ENDPOINTS: ReadonlySet<string> = new Set([
  '/authorizer/token/application/get',
  '/connect/token',
  '/business/auth',
]);

/** Latency buckets in seconds: from a cached guard (~50 µs) to a slow store (2.5 s). */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop, GC) in this registry (default true). */
  readonly processMetrics?: boolean;
  /** How long a scrape waits for the shared state to answer before reporting it down (default 500 ms). */
  readonly probeTimeoutMs?: number;
}

/** The Prometheus metrics of one payauth instance. */
export interface PayauthMetrics {
  /** This instance's own registry (never prom-client's global one). */
  readonly registry: Registry;
  /** `GET /metrics` in the Prometheus text format. */
  readonly route: Route;
  /** Wraps a route so that its requests, latency and issued tokens are counted. */
  instrument(route: Route): Route;
  /** Stops listening to rejections. */
  close(): void;
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Builds the metrics of one payauth instance in its own prom-client registry:
 * - `payauth_requests_total{mechanism,outcome}` (outcome `accepted` < 400 ≤ `rejected` < 500 ≤ `error`), per route;
 * - `payauth_rejections_total{mechanism,code}`, from every refusal (`onRejection`, so guards mounted with
 *   `requireAuth` in an application count too);
 * - `payauth_request_duration_seconds{method,route}`, a histogram per route;
 * - `payauth_tokens_issued_total{mechanism}`;
 * - `payauth_budget_refusals_total{mechanism}` (429s of the failure budgets);
 * - `payauth_store_up` and `payauth_state_up` (1 or 0), read at scrape time.
 * The hot path pays two clock reads, a histogram observation and a counter increment on label sets bound once per
 * route; nothing is computed for metrics that nobody scrapes.
 *
 * @example
 * ```ts
 * const metrics = createMetrics(payauth); payauth.addRoutes([metrics.route])
 * ```
 */
export function createMetrics(
  host: Pick<AdminHost, 'resolver' | 'onRejection'> & { readonly state?: Pick<SharedState, 'peek'> },
  options: MetricsOptions = {},
): PayauthMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'payauth_requests_total',
    help: 'Requests served by payauth routes, by mechanism and outcome (accepted, rejected, error).',
    labelNames: ['mechanism', 'outcome'] as const,
    registers: [registry],
  });
  const rejections = new Counter({
    name: 'payauth_rejections_total',
    help: 'Refusals by mechanism and reason code (docs/errors.md).',
    labelNames: ['mechanism', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'payauth_request_duration_seconds',
    help: 'Time from request to response headers, per route.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'payauth_tokens_issued_total',
    help: 'Access tokens issued, by mechanism.',
    labelNames: ['mechanism'] as const,
    registers: [registry],
  });
  const budgetRefusals = new Counter({
    name: 'payauth_budget_refusals_total',
    help: 'Requests refused with 429 by the failure budgets, by mechanism.',
    labelNames: ['mechanism'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'payauth_store_up',
    help: '1 when the credential store answered its last poll, 0 when it did not.',
    registers: [registry],
    collect() {
      this.set(host.resolver.lastPollError === undefined ? 1 : 0);
    },
  });
  const probeTimeoutMs = options.probeTimeoutMs ?? 500;
  new Gauge({
    name: 'payauth_state_up',
    help: '1 when the shared state (memory or Redis) answers, 0 when it does not.',
    registers: [registry],
    async collect() {
      if (host.state === undefined) return this.set(1);
      try {
        await within(host.state.peek('payauth:metrics-probe'), probeTimeoutMs);
        this.set(1);
      } catch {
        this.set(0);
      }
    },
  });
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const unsubscribe = host.onRejection((event: RejectionEvent) => {
    rejections.labels(event.mechanism, event.code).inc();
    if (event.code === 'ERR_RATE_LIMITED') budgetRefusals.labels(event.mechanism).inc();
  });

  const instrument = (route: Route): Route => {
    const mechanism = MECHANISM_BY_PATH[route.path] ?? 'none';
    const accepted = requests.labels(mechanism, 'accepted');
    const rejected = requests.labels(mechanism, 'rejected');
    const failed = requests.labels(mechanism, 'error');
    const latency = duration.labels(route.method, route.path);
    const issued = TOKEN_ENDPOINTS.has(route.path) ? tokens.labels(mechanism) : undefined;
    const handle = route.handle;
    return {
      ...route,
      async handle(request: AuthRequest): Promise<NeutralResponse> {
        const started = performance.now();
        let response: NeutralResponse;
        try {
          response = await handle(request);
        } catch (error) {
          failed.inc();
          latency.observe((performance.now() - started) / 1000);
          throw error;
        }
        latency.observe((performance.now() - started) / 1000);
        if (response.status < 400) {
          accepted.inc();
          if (issued !== undefined && response.status === 200) issued.inc();
        } else if (response.status < 500) rejected.inc();
        else failed.inc();
        return response;
      },
    };
  };

  const route: Route = {
    method: 'GET',
    path: '/metrics',
    async handle(): Promise<NeutralResponse> {
      return {
        status: 200,
        headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
        body: await registry.metrics(),
      };
    },
  };

  return {
    registry,
    route,
    instrument,
    close() {
      unsubscribe();
      registry.clear();
    },
  };
}
