// Two checkouts of payauth in one process: the hmac (or Bearer) guard of each, called in a loop, in interleaved
// samples, so that a host whose speed drifts from minute to minute slows both alike. What a change to a guard's code
// is worth per call, without HTTP (the guards group measures it inside a server, where the noise is larger than the
// gain of most single changes).
//
// Usage: node --conditions=payauth-source bench/compare-trees.ts <other checkout> [samples]
//   GUARD=api-key for the Bearer guard (default hmac). The other checkout needs its own node_modules/@payauth links
//   (`npm install` there, or links to its packages/*): its server must import its own core.
//   e.g. git worktree add /tmp/base HEAD~1 && (cd /tmp/base && npm install) && node … bench/compare-trees.ts /tmp/base
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { demoBearer, hmacRequests, POOL_SIZE, rawRequest } from './lib/guard-requests.ts';
import { median, microsecondsPerCall } from './lib/stats.ts';

const CALLS = 100_000;

interface Tree {
  readonly call: (index: number) => void;
  close(): Promise<void>;
}

/** One checkout's guard on a demo instance, with 2,000 distinct requests shaped as wrk sends them. */
async function load(root: string, mechanism: 'hmac' | 'api-key'): Promise<Tree> {
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
  return {
    call: (index) => {
      const result = guard(request(raw[index % POOL_SIZE]!));
      if (result instanceof Promise || !result.ok) throw new Error(`${root}: refused or not synchronous`);
    },
    close: async () => {
      await payauth.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

const [other, samplesText] = process.argv.slice(2);
if (other === undefined) {
  console.error('usage: node --conditions=payauth-source bench/compare-trees.ts <other checkout> [samples]');
  process.exit(2);
}
const mechanism = process.env.GUARD === 'api-key' ? 'api-key' : 'hmac';
const trees: Record<string, Tree> = {
  [resolve(other)]: await load(resolve(other), mechanism),
  [resolve(import.meta.dirname, '..')]: await load(resolve(import.meta.dirname, '..'), mechanism),
};
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
  console.log(`  ${root}: min ${sorted[0]!.toFixed(2)}, median ${median(sorted).toFixed(2)}`);
}
console.log(`  this checkout ÷ the other, median of the samples' own ratios: ${median(pairs).toFixed(2)}`);
for (const tree of Object.values(trees)) await tree.close();
