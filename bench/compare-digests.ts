// One hmac verification, the digest compared two ways: decoded into Buffers for `timingSafeEqual` (payauth until
// round 3) and as hex text in constant time (core's `equalInConstantTime`, round 4). Run: node bench/compare-digests.ts
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { equalInConstantTime } from '../packages/core/src/constant-time.ts';

const key = createSecretKey(Buffer.from('E0!oYfVpA6-noiqGr-pT7AJ2ybT4r7lx'));
const message = 'k1rXpphkRG!2-Fox:1672650133163:1:';
const signature = createHmac('sha256', key).update(message).digest('hex');
// Fresh strings, as each request's header brings.
const presented = Array.from({ length: 1000 }, () => Buffer.from(signature).toString('latin1'));

const viaBuffers = (given: string) =>
  timingSafeEqual(createHmac('sha256', key).update(message, 'utf8').digest(), Buffer.from(given, 'hex'));
const viaText = (given: string) =>
  equalInConstantTime(createHmac('sha256', key).update(message, 'utf8').digest('hex'), given);

const CALLS = 300_000;
for (let round = 0; round < 3; round++) {
  for (const [name, verify] of [
    ['Buffers + timingSafeEqual', viaBuffers],
    ['hex text, constant time', viaText],
  ] as const) {
    const began = process.hrtime.bigint();
    for (let index = 0; index < CALLS; index++) if (!verify(presented[index % 1000]!)) throw new Error(name);
    console.log(
      `${name}: ${(Number(process.hrtime.bigint() - began) / CALLS / 1000).toFixed(2)} µs per verification`,
    );
  }
}
