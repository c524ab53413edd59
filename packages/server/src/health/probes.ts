import { jsonResponse } from '../http/response.ts';
import type { NeutralResponse, Route } from '../http/types.ts';
import type { SharedState } from '../state/types.ts';
import type { PayauthStore } from '../store/types.ts';

/** The probe paths (SPEC.md, "Run as a service"): `/health` itself stays as it was. */
export const PROBE_PATHS = { live: '/health/live', ready: '/health/ready' } as const;

/** How long a readiness check waits for the store or the shared state before it counts as down. */
export const READY_TIMEOUT_MS = 2000;

/** What {@link createHealthRoutes} checks: payauth's store and shared state (a `Payauth` is one). */
export interface ProbeTargets {
  readonly store: Pick<PayauthStore, 'changeCounter'>;
  readonly state: Pick<SharedState, 'peek'>;
}

/** The answer of one readiness check: each part `ok` or `down`. */
export interface Readiness {
  readonly store: 'ok' | 'down';
  readonly state: 'ok' | 'down';
}

/** Resolves to `ok` when `work` settles in time and succeeds, else `down` (never rejects). */
async function answers(work: () => Promise<unknown>, timeoutMs: number): Promise<'ok' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'down'>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([
      work().then(
        () => 'ok' as const,
        () => 'down' as const,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks once that the store (its change counter, one indexed read) and the shared state (a counter read) answer.
 * Concurrent callers share the check in progress, so a flood of probes costs the database one query at a time.
 *
 * @example
 * ```ts
 * const check = createReadinessCheck(payauth); const { store, state } = await check()
 * ```
 */
export function createReadinessCheck(
  targets: ProbeTargets,
  timeoutMs = READY_TIMEOUT_MS,
): () => Promise<Readiness> {
  let running: Promise<Readiness> | undefined;
  return () => {
    running ??= Promise.all([
      answers(() => targets.store.changeCounter(), timeoutMs),
      answers(() => targets.state.peek('probe:ready'), timeoutMs),
    ]).then(([store, state]) => {
      running = undefined;
      return { store, state };
    });
    return running;
  };
}

/**
 * The probes of a deployment, as neutral routes any adapter serves (`payauth serve` serves them; with your own app,
 * `payauth.addRoutes(createHealthRoutes(payauth))` before mounting the adapter):
 * - `GET /health/live` → 200 `{"status":"live"}` while the process serves (no dependency is asked: a liveness probe
 *   that failed with the database would restart every instance during a database outage);
 * - `GET /health/ready` → 200 `{"status":"ready","store":"ok","state":"ok"}` while the store and the shared state
 *   answer (within 2 s), else 503 with `Retry-After: 1` and the part that did not answer
 *   (`{"status":"unavailable","store":"down","state":"ok"}`).
 *
 * @example
 * ```ts
 * const payauth = await createPayauth({ store: './payauth.db' }); payauth.addRoutes(createHealthRoutes(payauth))
 * ```
 */
export function createHealthRoutes(targets: ProbeTargets): Route[] {
  const check = createReadinessCheck(targets);
  const noStore = { 'cache-control': 'no-store' };
  return [
    {
      method: 'GET',
      path: PROBE_PATHS.live,
      handle: async (): Promise<NeutralResponse> => jsonResponse(200, { status: 'live' }, noStore),
    },
    {
      method: 'GET',
      path: PROBE_PATHS.ready,
      handle: async (): Promise<NeutralResponse> => {
        const readiness = await check();
        const ready = readiness.store === 'ok' && readiness.state === 'ok';
        return ready
          ? jsonResponse(200, { status: 'ready', ...readiness }, noStore)
          : jsonResponse(503, { status: 'unavailable', ...readiness }, { ...noStore, 'retry-after': '1' });
      },
    },
  ];
}
