// Two checkouts of payauth in one process: the hmac (or Bearer) guard of each, or one of the three token endpoints,
// called in a loop, in interleaved samples, so that a host whose speed drifts from minute to minute slows both alike.
// What a change to a guard's or an endpoint's code is worth per call, without HTTP (the guards group measures it
// inside a server, where the noise is larger than the gain of most single changes).
//
// Usage: node --conditions=payauth-source bench/compare-trees.ts <other checkout> [samples]
//   GUARD=api-key for the Bearer guard (default hmac); ENDPOINT=api-key, app-token or private-key-jwt for that token
//   endpoint instead (its route's handler, awaited: a token request is asynchronous in both trees). The other checkout
//   needs its own node_modules/@payauth links (`npm install` there, or links to its packages/*): its server must
//   import its own core.
//   e.g. git worktree add /tmp/base HEAD~1 && (cd /tmp/base && npm install) && node … bench/compare-trees.ts /tmp/base
//   TRACING=sdk registers the OpenTelemetry SDK's tracer provider first, recording every span, with a span processor
//   that does nothing: a checkout that traces then pays its span per call (made, attributes set, ended), not an
//   exporter's work. OTHER_TRACING=false builds the other checkout's payauth with `tracing: false`: against a copy of
//   this checkout, what the tracing wrapper costs when no provider is registered, the code otherwise the same.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { demoBearer, hmacRequests, POOL_SIZE, rawRequest } from './lib/guard-requests.ts';
import { median, microsecondsPerCall } from './lib/stats.ts';

type Endpoint = 'api-key' | 'app-token' | 'private-key-jwt';
const ENDPOINT = process.env.ENDPOINT as Endpoint | undefined;
const ENDPOINT_PATHS: Record<Endpoint, string> = {
  'api-key': '/business/auth',
  'app-token': '/authorizer/token/application/get',
  'private-key-jwt': '/connect/token',
};
// A token request costs 20–700 µs (its crypto): fewer calls a sample than a guard's ~3–10 µs.
// BENCH_CALLS overrides it: on a busy host a long run outlives the hmac headers' 5-minute window.
const CALLS = Number(
  process.env.BENCH_CALLS ??
    (ENDPOINT === undefined ? 100_000 : ENDPOINT === 'private-key-jwt' ? 1_000 : 10_000),
);

interface Tree {
  readonly call: (index: number) => unknown;
  close(): Promise<void>;
}

/** The token request bodies of one tree's demo credential: the same body each time, or a fresh assertion each. */
async function tokenBodies(
  root: string,
  core: Record<string, (...args: never[]) => unknown>,
  demo: Record<string, Record<string, string>>,
  issuer: string,
  count: number,
): Promise<Array<{ type: string; body: string }>> {
  if (ENDPOINT === 'api-key') {
    const { apiKey, apiSecret } = demo['api-key']!;
    return [{ type: 'application/json', body: JSON.stringify({ apiKey, apiSecret }) }];
  }
  if (ENDPOINT === 'app-token') {
    const { applicationId, secretKey } = demo['app-token']!;
    const date = new Date().toISOString();
    const sign = core.signAppToken as (input: {
      secretKey: string;
      applicationId: string;
      date: string;
    }) => string;
    const signature = sign({ secretKey: secretKey!, applicationId: applicationId!, date });
    return [
      { type: 'application/json', body: JSON.stringify({ application_id: applicationId, date, signature }) },
    ];
  }
  const { readFileSync } = await import('node:fs');
  const { createPrivateKey, X509Certificate } = await import('node:crypto');
  const pkj = demo['private-key-jwt']!;
  const privateKey = createPrivateKey(readFileSync(pkj.keyPath!));
  const certificate = new X509Certificate(readFileSync(pkj.certificatePath!));
  const create = core.createClientAssertion as (options: unknown) => string;
  void root;
  return Array.from({ length: count }, () => ({
    type: 'application/x-www-form-urlencoded',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: create({
        clientId: pkj.clientId,
        privateKey,
        certificate,
        audience: `${issuer}/connect/token`,
      }),
    }).toString(),
  }));
}

/** One checkout's guard on a demo instance, with 2,000 distinct requests shaped as wrk sends them. */
async function load(
  root: string,
  mechanism: 'hmac' | 'api-key',
  samples: number,
  tracing = true,
): Promise<Tree> {
  const core = await import(join(root, 'packages/core/src/index.ts'));
  const server = await import(join(root, 'packages/server/src/index.ts'));
  const { GuardRequest } = await import(join(root, 'packages/server/src/http/guard-request.ts'));
  const { headersFromRaw } = await import(join(root, 'packages/server/src/http/headers.ts'));
  const directory = mkdtempSync(join(tmpdir(), 'payauth-trees-'));
  const payauth = await server.createPayauth({
    store: ':memory:',
    issuer: 'http://127.0.0.1:18199',
    demo: true,
    // As an API team's instance: no rehearsal scenarios (on with `demo`, they wrap every guard and the clock).
    scenarios: false,
    tracing,
    pollIntervalMs: 100,
    // A stale cache sends a whole batch down the reserving path at once: budgets that high keep those calls from a 429.
    failureBudget: {
      perCredential: { limit: 1e9, windowMs: 60_000 },
      perAddress: { limit: 1e9, windowMs: 60_000 },
    },
    demoDirectory: directory,
    hints: false,
    logger: false,
    metrics: false,
  });
  if (ENDPOINT !== undefined) return loadEndpoint(root, core, payauth, directory, samples);
  const raw: string[][] =
    mechanism === 'api-key'
      ? new Array(POOL_SIZE).fill(rawRequest(await demoBearer(payauth)))
      : hmacRequests(core.formatHmacHeader, payauth.demo.hmac);
  const guard = payauth.guard(mechanism);
  const request = (headers: readonly string[]) =>
    new GuardRequest('GET', headersFromRaw(headers), '/bench', '127.0.0.1');
  // Warm-up: the first calls load the credential (and verify the token); then everything is cached.
  for (let index = 0; index < POOL_SIZE; index++) await guard(request(raw[index]!));
  return {
    call: (index) => {
      const result = guard(request(raw[index % POOL_SIZE]!));
      // On a busy host the credential cache can go stale between two polls (1 s): that call waits for the store. It
      // is counted (both trees alike), not an error; a refusal is.
      if (result instanceof Promise) {
        waited[root] = (waited[root] ?? 0) + 1;
        return result.then((settled: { ok: boolean; response?: unknown }) => {
          if (!settled.ok) throw new Error(`${root}: refused ${JSON.stringify(settled).slice(0, 300)}`);
        });
      }
      if (!result.ok) throw new Error(`${root}: refused`);
    },
    close: async () => {
      await payauth.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** One tree's token endpoint, called through its route's handler with the bodies of {@link tokenBodies}. */
async function loadEndpoint(
  root: string,
  core: Record<string, (...args: never[]) => unknown>,
  payauth: {
    routes: Array<{ path: string; handle(request: unknown): Promise<{ status: number }> }>;
    demo: never;
    close(): Promise<void>;
  },
  directory: string,
  samples: number,
): Promise<Tree> {
  const path = ENDPOINT_PATHS[ENDPOINT!];
  const route = payauth.routes.find((candidate) => candidate.path === path)!;
  // One more sample's worth for the warm-up; assertions are accepted once, so each call has its own.
  const bodies = await tokenBodies(root, core, payauth.demo, 'http://127.0.0.1:18199', CALLS * (samples + 1));
  const request = (index: number) => {
    const { type, body } = bodies[index % bodies.length]!;
    const headers = { host: '127.0.0.1:18199', 'content-type': type };
    return {
      method: 'POST',
      path,
      headers,
      query: {},
      address: '127.0.0.1',
      requestId: 'AAAAAAAAAAAAAAAA',
      body,
    };
  };
  let next = 0;
  const call = async () => {
    const response = await route.handle(request(next++));
    if (response.status !== 200) throw new Error(`${root}: ${ENDPOINT} answered ${response.status}`);
  };
  for (let index = 0; index < CALLS; index++) await call();
  return {
    call,
    close: async () => {
      await payauth.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Mean µs per call of an asynchronous `work`, awaited one call after the other. */
async function microsecondsPerAwaitedCall(work: (index: number) => unknown, calls: number): Promise<number> {
  const began = process.hrtime.bigint();
  for (let index = 0; index < calls; index++) await work(index);
  return Number(process.hrtime.bigint() - began) / 1000 / calls;
}

const [other, samplesText] = process.argv.slice(2);
if (other === undefined) {
  console.error('usage: node --conditions=payauth-source bench/compare-trees.ts <other checkout> [samples]');
  process.exit(2);
}
const mechanism = process.env.GUARD === 'api-key' ? 'api-key' : 'hmac';
const SAMPLES = Number(samplesText ?? 12);
const waited: Record<string, number> = {};
if (process.env.TRACING === 'sdk') await registerTracing();
const trees: Record<string, Tree> = {
  [resolve(other)]: await load(resolve(other), mechanism, SAMPLES, process.env.OTHER_TRACING !== 'false'),
  [resolve(import.meta.dirname, '..')]: await load(resolve(import.meta.dirname, '..'), mechanism, SAMPLES),
};
// Wall time per call, and this process's CPU time per call (user + system, `process.cpuUsage`) over the same sample:
// on a host shared with other work the wall time also counts the time spent waiting for a core; the CPU time does not.
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(trees).map((root) => [root, []]));
const cpuSamples: Record<string, number[]> = Object.fromEntries(Object.keys(trees).map((root) => [root, []]));
for (let sample = 0; sample < SAMPLES; sample++) {
  for (const [root, tree] of Object.entries(trees)) {
    const cpuBefore = process.cpuUsage();
    samples[root]!.push(
      ENDPOINT === undefined
        ? await microsecondsPerCall(tree.call, CALLS)
        : await microsecondsPerAwaitedCall(tree.call, CALLS),
    );
    const cpu = process.cpuUsage(cpuBefore);
    cpuSamples[root]!.push((cpu.user + cpu.system) / CALLS);
  }
}
const [first, second] = Object.keys(trees) as [string, string];
const subject = ENDPOINT === undefined ? `${mechanism} guard` : `${ENDPOINT} token endpoint`;
console.log(
  `${subject}, µs per call (${CALLS.toLocaleString('en')} calls a sample, ${SAMPLES} interleaved samples):`,
);
for (const [label, series] of [
  ['wall', samples],
  ['CPU', cpuSamples],
] as const) {
  const pairs = series[first]!.map((value, index) => series[second]![index]! / value);
  for (const root of [first, second]) {
    const sorted = [...series[root]!].sort((a, b) => a - b);
    console.log(`  ${label} ${root}: min ${sorted[0]!.toFixed(2)}, median ${median(sorted).toFixed(2)}`);
  }
  console.log(
    `  ${label}: this checkout ÷ the other, median of the samples' own ratios: ${median(pairs).toFixed(2)}`,
  );
  console.log(`  ${label}: the samples' ratios: ${pairs.map((pair) => pair.toFixed(2)).join(' ')}`);
}
for (const [root, count] of Object.entries(waited)) {
  console.log(`  (${root}: ${count} guard calls waited for the store, a stale cache on a busy host)`);
}
for (const tree of Object.values(trees)) await tree.close();

/** The OpenTelemetry SDK's tracer provider, registered as an application does; every span is recorded, then dropped. */
async function registerTracing(): Promise<void> {
  const { trace } = await import('@opentelemetry/api');
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
  const nothing = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [nothing] }));
  console.log('tracing: the OpenTelemetry SDK registered (every span recorded, then dropped)');
}
