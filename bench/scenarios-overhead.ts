// What the sandbox's rehearsal scenarios cost a request none of them touches: the hmac guard of the demo credential
// (a cached credential, the synchronous path), called in a loop on two payauth instances, scenarios off and on (the
// default with `demo`), interleaved in one run. Run: node --conditions=payauth-source bench/scenarios-overhead.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHmacHeader } from '../packages/core/src/index.ts';
import { GuardRequest } from '../packages/server/src/http/guard-request.ts';
import { headersFromRaw } from '../packages/server/src/http/headers.ts';
import { createPayauth } from '../packages/server/src/payauth.ts';
import { demoBearer, hmacRequests, rawRequest } from './lib/guard-requests.ts';

const CALLS = 20_000;

async function open(scenarios: boolean) {
  return createPayauth({
    store: ':memory:',
    issuer: 'http://127.0.0.1:18199',
    demo: true,
    demoDirectory: mkdtempSync(join(tmpdir(), 'payauth-scenarios-bench-')),
    hints: false,
    logger: false,
    metrics: false,
    scenarios,
  });
}

const off = await open(false);
const on = await open(true);
// The shapes the loop group sends: 2,000 distinct signed headers, and one Bearer token per instance.
const raw = hmacRequests(formatHmacHeader, off.demo!.hmac);
const request = (headers: readonly string[]) =>
  new GuardRequest('GET', headersFromRaw(headers), '/bench', '127.0.0.1');

type Instance = typeof off;
async function loop(
  payauth: Instance,
  bearer: string[],
  calls: number,
): Promise<{ hmac: number; bearer: number }> {
  const hmac = payauth.guard('hmac');
  const apiKey = payauth.guard('api-key');
  // Awaited only when the guard had to wait: the cached path answers synchronously, as adapters see it.
  let waited = 0;
  const accepted = (result: ReturnType<typeof hmac>) => {
    if (result instanceof Promise) waited++;
    else if (!result.ok) throw new Error('refused');
  };
  // Timed in slices of 1,000 calls with a turn of the event loop between them (not timed): a loop that never yields
  // would starve the credential poll, and the cache would then (rightly) stop answering at once.
  const timed = async (call: (index: number) => void): Promise<number> => {
    let elapsed = 0n;
    for (let done = 0; done < calls; done += 1000) {
      const start = process.hrtime.bigint();
      for (let i = done; i < done + 1000; i++) call(i);
      elapsed += process.hrtime.bigint() - start;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return Number(elapsed) / calls;
  };
  const hmacNs = await timed((i) => accepted(hmac(request(raw[i % raw.length]!))));
  const bearerNs = await timed(() => accepted(apiKey(request(bearer))));
  if (waited > 0) throw new Error(`${waited} calls did not answer at once`);
  return { hmac: hmacNs, bearer: bearerNs };
}

const bearers = new Map([
  [off, rawRequest(await demoBearer(off))],
  [on, rawRequest(await demoBearer(on))],
]);
// Warm-up, one call at a time: the credentials load and the tokens are verified once; then everything is cached.
for (const payauth of [off, on]) {
  for (let i = 0; i < raw.length; i++) {
    await payauth.guard('hmac')(request(raw[i]!));
    await payauth.guard('api-key')(request(bearers.get(payauth)!));
  }
}

const ratios = { hmac: [] as number[], bearer: [] as number[] };
for (let round = 0; round < 5; round++) {
  const without = await loop(off, bearers.get(off)!, CALLS);
  const withScenarios = await loop(on, bearers.get(on)!, CALLS);
  ratios.hmac.push(withScenarios.hmac / without.hmac);
  ratios.bearer.push(withScenarios.bearer / without.bearer);
  console.log(
    `round ${round + 1}: hmac guard ${without.hmac.toFixed(0)} ns off, ${withScenarios.hmac.toFixed(0)} ns on; ` +
      `Bearer guard ${without.bearer.toFixed(0)} ns off, ${withScenarios.bearer.toFixed(0)} ns on`,
  );
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[2]!.toFixed(2);
console.log(`median ratio on/off: hmac guard ${median(ratios.hmac)}, Bearer guard ${median(ratios.bearer)}`);
await off.close();
await on.close();
