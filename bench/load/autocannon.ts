// One load run: autocannon against a URL, printing {requestsPerSecond, p50, p99, non2xx, errors} as JSON.
import autocannon from 'autocannon';

const [url, connections, seconds, headersJson, method, body] = process.argv.slice(2);
const result = await autocannon({
  url: url!,
  connections: Number(connections ?? 50),
  duration: Number(seconds ?? 10),
  headers: headersJson ? JSON.parse(headersJson) : {},
  method: (method ?? 'GET') as 'GET',
  ...(body ? { body } : {}),
});
console.log(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }),
);
