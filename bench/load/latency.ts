// Fixed-rate latency probe: `rate` requests/s for `seconds` over keep-alive connections, each request's latency
// measured in microseconds (autocannon reports whole milliseconds). Prints {p50, p90, p99, sent, failed} in µs.
import { Agent, request } from 'node:http';

const [url, rateText, secondsText, headersJson] = process.argv.slice(2);
const target = new URL(url!);
const rate = Number(rateText ?? 10_000);
const seconds = Number(secondsText ?? 5);
const headers = headersJson ? (JSON.parse(headersJson) as Record<string, string>) : {};
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const latencies: number[] = [];
let failed = 0;
let sent = 0;

function fire(): void {
  sent++;
  const start = process.hrtime.bigint();
  const req = request(
    { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, agent, headers },
    (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) latencies.push(Number(process.hrtime.bigint() - start) / 1000);
        else failed++;
      });
    },
  );
  req.on('error', () => failed++);
  req.end();
}

// Open loop: requests are sent on schedule whether or not earlier ones have answered (no coordinated omission).
const total = rate * seconds;
const begin = performance.now();
await new Promise<void>((resolve) => {
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - begin) / 1000) * rate));
    while (sent < due) fire();
    if (sent >= total) resolve();
    else setImmediate(tick);
  };
  tick();
});
await new Promise((resolve) => setTimeout(resolve, 1000));
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
console.log(
  JSON.stringify({ p50: at(0.5), p90: at(0.9), p99: at(0.99), sent, failed, answered: latencies.length }),
);
