// The guards without HTTP: payauth's check of one request (headers in, verdict out) against its hand-written limit,
// called in a loop in one process. What the guard itself costs when its code and data stay in the CPU's caches; the
// `guards` group measures the same work inside a server, where every request also runs the kernel's TCP for both
// ends on the same core, and each of these microseconds costs several.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHmacHeader } from '@payauth/core';
import { createPayauth } from '@payauth/server';
import { GuardRequest } from '../../packages/server/src/http/guard-request.ts';
import { headersFromRaw } from '../../packages/server/src/http/headers.ts';
import { demoBearer, hmacRequests, rawRequest } from '../lib/guard-requests.ts';
import { median, microsecondsPerCall, ratio } from '../lib/stats.ts';
import { createLimits, limitKeysOf } from '../servers/limits.ts';
import type { Row } from './crypto.ts';

const CALLS = 200_000;

/** hmac and Bearer guards ÷ their limits, in a loop: medians of 5 interleaved samples of 200,000 calls. */
export async function runLoop(): Promise<Row[]> {
  const directory = mkdtempSync(join(tmpdir(), 'payauth-loop-'));
  const payauth = await createPayauth({
    store: ':memory:',
    issuer: 'http://127.0.0.1:18199',
    demo: true,
    // As an API team's instance: no rehearsal scenarios (on with `demo`, they wrap every guard and the clock).
    scenarios: false,
    demoDirectory: directory,
    hints: false,
    logger: false,
  });
  try {
    const demo = payauth.demo!;
    // The same shapes wrk sends: a pool of 2,000 distinct signed headers, three headers per request.
    const raw = hmacRequests(formatHmacHeader, demo.hmac);
    const bearer = await demoBearer(payauth);
    const limits = createLimits(limitKeysOf(payauth));
    const hmac = payauth.guard('hmac');
    const apiKey = payauth.guard('api-key');
    const request = (headers: readonly string[]) =>
      new GuardRequest('GET', headersFromRaw(headers), '/bench', '127.0.0.1');
    const bearerRaw = rawRequest(bearer);
    const accepted = (result: unknown) => {
      if (result instanceof Promise || !(result as { ok: boolean }).ok) throw new Error('loop: refused');
    };
    // Warm-up: the first calls load the credential and verify the token; then everything is cached.
    for (let index = 0; index < 2000; index++) {
      await hmac(request(raw[index]!));
      await apiKey(request(bearerRaw));
    }
    const variants: Record<string, (index: number) => unknown> = {
      'hmac guard': (index) => accepted(hmac(request(raw[index % 2000]!))),
      'hmac limit': (index) => limits.hmac(raw[index % 2000]![3]),
      'Bearer guard': () => accepted(apiKey(request(bearerRaw))),
      'Bearer limit': () => limits.bearer(bearer),
      'request only (headers from the raw list)': (index) => request(raw[index % 2000]!),
    };
    const samples: Record<string, number[]> = Object.fromEntries(
      Object.keys(variants).map((name) => [name, []]),
    );
    for (let round = 0; round < 5; round++) {
      for (const [name, work] of Object.entries(variants))
        samples[name]!.push(await microsecondsPerCall(work, CALLS));
    }
    const us = (name: string) => median(samples[name]!);
    for (const name of Object.keys(variants)) console.error(`  ${name}: ${us(name).toFixed(2)} µs per call`);
    // Ratio = limit µs ÷ ours (above 1: ours is cheaper), as the saturated tables read.
    const row = (name: string, ours: string, theirs: string): Row => ({
      name,
      value: Math.round(us(ours) * 100) / 100,
      baseline: Math.round(us(theirs) * 100) / 100,
      ratio: ratio(us(theirs), us(ours)),
      unit: 'µs/call',
      samples: { value: samples[ours]!, baseline: samples[theirs]! },
    });
    return [
      row(
        'hmac guard ÷ its limit, in a loop (µs per call; ratio = limit ÷ ours)',
        'hmac guard',
        'hmac limit',
      ),
      row(
        'Bearer guard (cached token) ÷ its limit (Ed25519 verify), in a loop',
        'Bearer guard',
        'Bearer limit',
      ),
      row(
        'of which the GuardRequest and its header record (ratio = hmac guard ÷ this)',
        'request only (headers from the raw list)',
        'hmac guard',
      ),
    ];
  } finally {
    await payauth.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
