// Is the guards' synchronous path worth keeping? The hmac (or Bearer) guard of this checkout, called in a loop, two
// ways in one process, in interleaved samples: on in-process memory state (the synchronous path: a cached credential
// or token, no promise), and on the same memory state with its synchronous methods hidden (`peekNow`, `incrementNow`),
// so that every call takes the plain async path (reservation awaited, credential awaited) and is awaited. The ratio is
// what `whenSettled` and the `*Now` twins buy (server/src/sync.ts cites it).
//
// Usage: node --conditions=payauth-source bench/sync-path.ts [samples]   (GUARD=api-key for the Bearer guard)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHmacHeader } from '@payauth/core';
import { createPayauth, MemorySharedState, type Payauth, type SharedState } from '@payauth/server';
import { GuardRequest } from '../packages/server/src/http/guard-request.ts';
import { headersFromRaw } from '../packages/server/src/http/headers.ts';
import { demoBearer, hmacRequests, POOL_SIZE, rawRequest } from './lib/guard-requests.ts';
import { median } from './lib/stats.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 30_000);
const mechanism = process.env.GUARD === 'api-key' ? 'api-key' : 'hmac';

/** The memory state with its synchronous twins hidden: callers see what a remote state offers. */
function asynchronousOnly(state: MemorySharedState): SharedState {
  return new Proxy(state, {
    get(target, property) {
      if (property === 'peekNow' || property === 'incrementNow') return undefined;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function instance(state: SharedState | undefined): Promise<{ payauth: Payauth; directory: string }> {
  const directory = mkdtempSync(join(tmpdir(), 'payauth-sync-path-'));
  const payauth = await createPayauth({
    store: ':memory:',
    demo: true,
    demoDirectory: directory,
    logger: false,
    metrics: false,
    pollIntervalMs: 100,
    ...(state === undefined ? {} : { redis: state }),
    failureBudget: {
      perCredential: { limit: 1e9, windowMs: 60_000 },
      perAddress: { limit: 1e9, windowMs: 60_000 },
    },
  });
  return { payauth, directory };
}

const variants = {
  synchronous: await instance(undefined),
  asynchronous: await instance(asynchronousOnly(new MemorySharedState())),
};
const pools: Record<string, string[][]> = {};
for (const [name, { payauth }] of Object.entries(variants)) {
  pools[name] =
    mechanism === 'api-key'
      ? new Array(POOL_SIZE).fill(rawRequest(await demoBearer(payauth)))
      : hmacRequests(formatHmacHeader, payauth.demo!.hmac);
}
const request = (headers: readonly string[]) =>
  new GuardRequest('GET', headersFromRaw(headers), '/bench', '127.0.0.1');

/** µs per call, each call awaited (what an adapter's async hook does); a synchronous answer is awaited too. */
async function sample(name: keyof typeof variants): Promise<number> {
  const guard = variants[name].payauth.guard(mechanism);
  const pool = pools[name]!;
  const began = process.hrtime.bigint();
  for (let index = 0; index < CALLS; index++) {
    const result = guard(request(pool[index % POOL_SIZE]!));
    const settled = result instanceof Promise ? await result : result;
    if (!settled.ok) throw new Error(`${name}: refused`);
    if (index % 5000 === 4999) await new Promise((resolve) => setImmediate(resolve));
  }
  return Number(process.hrtime.bigint() - began) / 1000 / CALLS;
}

for (const name of Object.keys(variants) as Array<keyof typeof variants>) await sample(name);
const samples: Record<string, number[]> = { synchronous: [], asynchronous: [] };
for (let round = 0; round < Number(process.argv[2] ?? 12); round++) {
  for (const name of Object.keys(variants) as Array<keyof typeof variants>)
    samples[name]!.push(await sample(name));
}
const ratios = samples.synchronous!.map((value, index) => value / samples.asynchronous![index]!);
console.log(`${mechanism} guard, µs per call (${CALLS.toLocaleString('en')} calls a sample, interleaved):`);
for (const [name, values] of Object.entries(samples)) {
  console.log(`  ${name}: min ${Math.min(...values).toFixed(2)}, median ${median(values).toFixed(2)}`);
}
console.log(`  synchronous ÷ asynchronous, median of the samples' own ratios: ${median(ratios).toFixed(2)}`);
console.log(`  the samples' ratios: ${ratios.map((ratio) => ratio.toFixed(2)).join(' ')}`);
for (const { payauth, directory } of Object.values(variants)) {
  await payauth.close();
  rmSync(directory, { recursive: true, force: true });
}
