// Fixed-rate hmac load with distinct headers (single-use mode accepts each header once): `rate` requests/s for
// `seconds`, open loop over keep-alive connections, each header signed just before it is sent with one of the given
// access keys and a timestamp no other request of that key used. Never more than 256 in flight: a request that
// would exceed that is counted `late` and not sent. Prints {sent, ok, refused, failed, late, seconds, statuses}.
// Usage: node bench/load/hmac-rate.ts <url> <rate> <seconds> '[{"accessKey":…,"secretKey":…},…]'
import { Agent, request } from 'node:http';
import { createHmacKey, formatHmacHeader } from '@payauth/core';

const [url, rateText, secondsText, pairsJson] = process.argv.slice(2);
const target = new URL(url!);
if (target.hostname !== '127.0.0.1') throw new Error('the benchmarks load 127.0.0.1 only');
const rate = Number(rateText);
const seconds = Number(secondsText);
const credentials = (JSON.parse(pairsJson!) as Array<{ accessKey: string; secretKey: string }>).map(
  (pair) => ({
    accessKey: pair.accessKey,
    key: createHmacKey(pair.secretKey),
  }),
);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const lastTimestamp = new Map<string, number>();
const statuses: Record<string, number> = {};
let sent = 0;
let ok = 0;
let failed = 0;
let inFlight = 0;
/** Requests not sent on time because MAX_IN_FLIGHT were already waiting (the server is behind; queueing them in
 * the client would only measure the client's queue). */
let late = 0;
const MAX_IN_FLIGHT = 256;

function fire(): void {
  const { accessKey, key } = credentials[sent % credentials.length]!;
  const timestamp = Math.max(Date.now(), (lastTimestamp.get(accessKey) ?? 0) + 1);
  lastTimestamp.set(accessKey, timestamp);
  sent++;
  inFlight++;
  const req = request(
    {
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      agent,
      headers: { authorization: formatHmacHeader({ accessKey, secretKey: key, timestamp }) },
    },
    (res) => {
      res.resume();
      res.on('end', () => {
        inFlight--;
        statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
        if (res.statusCode === 200) ok++;
      });
    },
  );
  req.on('error', () => {
    inFlight--;
    failed++;
  });
  req.end();
}

const total = rate * seconds;
const begin = performance.now();
await new Promise<void>((resolve) => {
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - begin) / 1000) * rate));
    while (sent + late < due) {
      if (inFlight >= MAX_IN_FLIGHT) {
        late += due - sent - late;
        break;
      }
      fire();
    }
    if (sent + late >= total) resolve();
    else setTimeout(tick, 1);
  };
  tick();
});
await new Promise((resolve) => setTimeout(resolve, 2000));
agent.destroy();
console.log(
  JSON.stringify({
    sent,
    ok,
    refused: sent - ok - failed,
    failed,
    late,
    seconds: (performance.now() - begin) / 1000,
    statuses,
  }),
);
