// The metrics wrapper alone: a route that answers at once, called 1e6 times raw and instrumented.
// Run: node bench/metrics-overhead.ts (the full cost under HTTP load is in the guards bench).
import type { Route } from '../packages/server/src/http/types.ts';
import { createMetrics } from '../packages/server/src/metrics/metrics.ts';

const host = { resolver: { lastPollError: undefined }, onRejection: () => () => {} } as never;
const metrics = createMetrics(host, { processMetrics: false });
const response = { status: 200, headers: {}, body: '' };
const raw: Route = { method: 'POST', path: '/business/auth', handle: async () => response };
const wrapped = metrics.instrument(raw);
const request = {} as never;

async function nanosecondsPerCall(route: Route, calls: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await route.handle(request);
  return Number(process.hrtime.bigint() - start) / calls;
}

for (let round = 0; round < 3; round++) {
  await nanosecondsPerCall(raw, 200_000);
  await nanosecondsPerCall(wrapped, 200_000);
  const bare = await nanosecondsPerCall(raw, 1_000_000);
  const instrumented = await nanosecondsPerCall(wrapped, 1_000_000);
  console.log(
    `raw ${bare.toFixed(0)} ns, instrumented ${instrumented.toFixed(0)} ns: ${(instrumented - bare).toFixed(0)} ns per request`,
  );
}
