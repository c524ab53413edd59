import { performance } from 'node:perf_hooks';
import { mechanismOfPath, mechanismTable } from '@payauth/core';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { AdminHost, RejectionEvent } from '../admin/host.ts';
import type { AuthRequest, NeutralResponse, Route } from '../http/types.ts';
import type { SharedState } from '../state/types.ts';

/** The token endpoints (the mechanism table's): a 200 there is one token issued. */
const TOKEN_ENDPOINTS: ReadonlySet<string> = new Set(
  Object.values(mechanismTable).flatMap(({ tokenPath }) => (tokenPath === undefined ? [] : [tokenPath])),
);

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

/** The counts of one instrumented route (plain numbers: the hot path only increments them). */
interface RouteStats {
  readonly mechanism: string;
  readonly method: string;
  readonly path: string;
  readonly issuesTokens: boolean;
  accepted: number;
  rejected: number;
  failed: number;
  issued: number;
  /** Observations per latency bucket (not cumulative; the last one is +Inf). */
  readonly buckets: number[];
  sum: number;
  count: number;
}

/** `payauth_request_duration_seconds`, read from the routes' counts at scrape time (prom-client's metric shape). */
function createLatencyHistogram(stats: readonly RouteStats[]) {
  const name = 'payauth_request_duration_seconds';
  return {
    name,
    help: 'Time from request to response headers, per route.',
    type: 'histogram',
    aggregator: 'sum',
    labelNames: ['method', 'route'],
    reset() {},
    get() {
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> =
        [];
      for (const stat of stats) {
        const labels = { method: stat.method, route: stat.path };
        let cumulative = 0;
        stat.buckets.forEach((count, index) => {
          cumulative += count;
          const le = index < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[index]! : '+Inf';
          values.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
        });
        values.push({ metricName: `${name}_sum`, labels, value: stat.sum });
        values.push({ metricName: `${name}_count`, labels, value: stat.count });
      }
      return Promise.resolve({ name, help: this.help, type: 'histogram', values, aggregator: 'sum' });
    },
  };
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
 * The hot path pays two clock reads and a few increments of plain numbers; prom-client reads them at scrape time.
 *
 * @example
 * ```ts
 * const metrics = createMetrics(host); payauth.addRoutes([metrics.route])
 * ```
 */
export function createMetrics(
  host: Pick<AdminHost, 'resolver' | 'onRejection'> & { readonly state?: Pick<SharedState, 'peek'> },
  options: MetricsOptions = {},
): PayauthMetrics {
  const registry = new Registry();
  // The hot path only bumps plain numbers in a per-route record; prom-client reads them at scrape time. (prom-client's
  // own labelled inc() and observe() cost ~0.4 and ~0.6 µs each here, against a few ns for these.)
  const stats: RouteStats[] = [];
  new Counter({
    name: 'payauth_requests_total',
    help: 'Requests served by payauth routes, by mechanism and outcome (accepted, rejected, error).',
    labelNames: ['mechanism', 'outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const stat of stats) {
        this.labels(stat.mechanism, 'accepted').inc(stat.accepted);
        this.labels(stat.mechanism, 'rejected').inc(stat.rejected);
        this.labels(stat.mechanism, 'error').inc(stat.failed);
      }
    },
  });
  new Counter({
    name: 'payauth_tokens_issued_total',
    help: 'Access tokens issued, by mechanism.',
    labelNames: ['mechanism'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const stat of stats) if (stat.issuesTokens) this.labels(stat.mechanism).inc(stat.issued);
    },
  });
  registry.registerMetric(createLatencyHistogram(stats) as never);
  const rejections = new Counter({
    name: 'payauth_rejections_total',
    help: 'Refusals by mechanism and reason code (docs/errors.md).',
    labelNames: ['mechanism', 'code'] as const,
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

  // A refusal is already the slow path: prom-client's labelled counters are fine there.
  const unsubscribe = host.onRejection((event: RejectionEvent) => {
    rejections.labels(event.mechanism, event.code).inc();
    if (event.code === 'ERR_RATE_LIMITED') budgetRefusals.labels(event.mechanism).inc();
  });

  const instrument = (route: Route): Route => {
    // One record per method and path, even if a route is wrapped twice (one series per route in the histogram).
    const existing = stats.find((entry) => entry.method === route.method && entry.path === route.path);
    const stat: RouteStats = existing ?? {
      mechanism: mechanismOfPath(route.path) ?? 'none',
      method: route.method,
      path: route.path,
      issuesTokens: TOKEN_ENDPOINTS.has(route.path),
      accepted: 0,
      rejected: 0,
      failed: 0,
      issued: 0,
      buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0),
      sum: 0,
      count: 0,
    };
    if (!existing) stats.push(stat);
    const handle = route.handle;
    const observe = (started: number) => {
      const seconds = (performance.now() - started) / 1000;
      let bucket = 0;
      while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++;
      stat.buckets[bucket]!++;
      stat.sum += seconds;
      stat.count++;
    };
    const settle = (started: number, response: NeutralResponse): NeutralResponse => {
      observe(started);
      if (response.status < 400) {
        stat.accepted++;
        if (stat.issuesTokens && response.status === 200) stat.issued++;
      } else if (response.status < 500) stat.rejected++;
      else stat.failed++;
      return response;
    };
    return {
      ...route,
      // No async frame of its own: one `then` on the route's promise is the whole cost besides two clock reads.
      handle(request: AuthRequest): Promise<NeutralResponse> {
        const started = performance.now();
        return handle(request).then(
          (response) => settle(started, response),
          (error: unknown) => {
            stat.failed++;
            observe(started);
            throw error;
          },
        );
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
