// Two checkouts of payauth in one process: the hmac (or Bearer) guard of each, called in a loop, in interleaved
// samples, so that a host whose speed drifts from minute to minute slows both alike. What a change to a guard's code
// is worth per call, without HTTP (the guards group measures it inside a server, where the noise is larger than the
// gain of most single changes).
//
// Usage: node --conditions=payauth-source bench/compare-trees.ts <other checkout> [samples]
//   GUARD=api-key for the Bearer guard (default hmac). The other checkout needs its own node_modules/@payauth links
//   (`npm install` there, or links to its packages/*): its server must import its own core.
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

const CALLS = 100_000;

interface Tree {
  readonly call: (index: number) => void;
  /**
   * Calls answered with a promise: the credential cache past the 1 s it may answer without a poll (a loaded host can
   * hold the poll's timer that long, e.g. while the other checkout generates its demo RSA key). Printed; a few in a
   * run weigh nothing.
   */
  waited: number;
  /** Resolves once the guard answers without a promise (its credential cache fresh). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** One checkout's guard on a demo instance, with 2,000 distinct requests shaped as wrk sends them. */
async function load(root: string, mechanism: 'hmac' | 'api-key', tracing = true): Promise<Tree> {
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
    demoDirectory: directory,
    hints: false,
    logger: false,
    // A credential cache answers at once only within 1 s of its last poll; a loaded host running two checkouts can
    // hold a 500 ms poll past that. Both checkouts alike.
    pollIntervalMs: 100,
    tracing,
  });
  const raw: string[][] =
    mechanism === 'api-key'
      ? new Array(POOL_SIZE).fill(rawRequest(await demoBearer(payauth)))
      : hmacRequests(core.formatHmacHeader, payauth.demo.hmac);
  const guard = payauth.guard(mechanism);
  const request = (headers: readonly string[]) =>
    new GuardRequest('GET', headersFromRaw(headers), '/bench', '127.0.0.1');
  // Warm-up: the first calls load the credential (and verify the token); then everything is cached.
  for (let index = 0; index < POOL_SIZE; index++) await guard(request(raw[index]!));
  const tree: Tree = {
    waited: 0,
    settle: async () => {
      // Answered with a promise while the credential cache waits for its next poll: let the poll run, then again.
      for (let attempt = 0; attempt < 50; attempt++) {
        const result = guard(request(raw[attempt]!));
        if (!(result instanceof Promise)) return;
        await result;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`${root}: the guard still waits on the store after 5 s`);
    },
    call: (index) => {
      const result = guard(request(raw[index % POOL_SIZE]!));
      if (result instanceof Promise) {
        tree.waited++;
        result.then((answer: { ok: boolean }) => {
          if (!answer.ok) throw new Error(`${root}: refused`);
        });
      } else if (!result.ok) throw new Error(`${root}: refused`);
    },
    close: async () => {
      await payauth.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
  return tree;
}

const [other, samplesText] = process.argv.slice(2);
if (other === undefined) {
  console.error('usage: node --conditions=payauth-source bench/compare-trees.ts <other checkout> [samples]');
  process.exit(2);
}
const mechanism = process.env.GUARD === 'api-key' ? 'api-key' : 'hmac';
if (process.env.TRACING === 'sdk') await registerTracing();
const trees: Record<string, Tree> = {
  [resolve(other)]: await load(resolve(other), mechanism, process.env.OTHER_TRACING !== 'false'),
  [resolve(import.meta.dirname, '..')]: await load(resolve(import.meta.dirname, '..'), mechanism),
};
// Loading the second checkout (its demo RSA key is generated synchronously) can hold the first's credential poll past
// the 1 s its cache may answer without one; its first calls would then wait on the store, and pile up.
for (const tree of Object.values(trees)) await tree.settle();
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(trees).map((root) => [root, []]));
for (let sample = 0; sample < Number(samplesText ?? 12); sample++) {
  for (const [root, tree] of Object.entries(trees))
    samples[root]!.push(await microsecondsPerCall(tree.call, CALLS));
}
const [first, second] = Object.keys(trees) as [string, string];
const pairs = samples[first]!.map((value, index) => samples[second]![index]! / value);
console.log(`${mechanism} guard, µs per call (${CALLS.toLocaleString('en')} calls a sample, interleaved):`);
for (const root of [first, second]) {
  const sorted = [...samples[root]!].sort((a, b) => a - b);
  const waited = trees[root]!.waited;
  console.log(
    `  ${root}: min ${sorted[0]!.toFixed(2)}, median ${median(sorted).toFixed(2)}${waited ? ` (${waited} calls waited on the store)` : ''}`,
  );
}
console.log(`  this checkout ÷ the other, median of the samples' own ratios: ${median(pairs).toFixed(2)}`);
for (const tree of Object.values(trees)) await tree.close();

/** The OpenTelemetry SDK's tracer provider, registered as an application does; every span is recorded, then dropped. */
async function registerTracing(): Promise<void> {
  const { trace } = await import('@opentelemetry/api');
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
  const nothing = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [nothing] }));
  console.log('tracing: the OpenTelemetry SDK registered (every span recorded, then dropped)');
}
