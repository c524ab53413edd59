// The guards benchmark server: the payauth sandbox plus one route served four ways — no auth, hmac, Bearer (api-key
// tokens), Bearer + apikey (private-key-jwt tokens) — all answering the same small JSON body, guarded by the Fastify
// adapter's `requireAuth` hook as an embedding app would; and beside each guard and token endpoint its honest limit:
// a minimal Fastify route doing only that mechanism's raw crypto (limits.ts).
// BENCH_SINGLE_USE=1 turns single-use hmac on; BENCH_HMAC_KEYS=N adds N hmac access keys (printed as `extraHmac`),
// so that a fixed-rate load can send distinct headers faster than one per millisecond.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireAuth } from '@payauth/server/fastify';
import { createPayauthServer } from '@payauth/server/standalone';
import { mountFastifyLimits } from './limit-routes.ts';
import { createLimits, limitKeysOf } from './limits.ts';

const port = Number(process.argv[2] ?? 0) || 18_181;
const directory = mkdtempSync(join(tmpdir(), 'payauth-bench-'));
const url = `http://127.0.0.1:${port}`;
const server = await createPayauthServer({
  store: join(directory, 'bench.db'),
  issuer: url,
  demo: true,
  // As an API team's instance: no rehearsal scenarios (on with `demo`, they wrap every guard and the clock).
  scenarios: false,
  hints: false,
  logger: false,
  // Metrics as an API team's instance has them by default (off; `payauth serve --demo` turns them on for the
  // dashboard): the limits count nothing either. Their cost is measured apart: `node bench/metrics-overhead.ts`.
  metrics: false,
  ...(process.env.BENCH_SINGLE_USE === '1' ? { config: { hmac: { singleUse: true } } } : {}),
});
const { app, payauth } = server;
const demo = payauth.demo!;
const extraHmac: Array<{ accessKey: string; secretKey: string }> = [];
for (let index = 0; index < Number(process.env.BENCH_HMAC_KEYS ?? 0); index++) {
  const created = await payauth.credentials.create('hmac', { partner: 'bench' });
  extraHmac.push({ accessKey: created.accessKey!, secretKey: created.secretKey! });
}
const body = '{"ok":true}';
const answer = async (
  _request: unknown,
  reply: { header: (n: string, v: string) => { send: (b: string) => unknown } },
) => reply.header('content-type', 'application/json; charset=utf-8').send(body);
app.get('/bench/none', answer as never);
app.get('/bench/hmac', { onRequest: requireAuth(payauth, 'hmac') }, answer as never);
app.get('/bench/bearer', { onRequest: requireAuth(payauth, 'api-key') }, answer as never);
app.get('/bench/bearer-apikey', { onRequest: requireAuth(payauth, 'private-key-jwt') }, answer as never);
// A token endpoint floor: the same route shape, no crypto at all.
app.post('/bench/token-floor', async (_request, reply) =>
  reply
    .code(200)
    .headers({ 'content-type': 'application/json; charset=utf-8' })
    .send('{"accessToken":"x","expiresIn":3600}'),
);
// The honest limits, in the same framework and process.
const limits = createLimits(limitKeysOf(payauth));
mountFastifyLimits(app, limits);
// The hmac guard step by step (bench/servers/step-routes.ts), for bench/cpu-split.sh.
if (process.env.BENCH_STEPS === '1')
  (await import('./step-routes.ts')).mountStepRoutes(app, payauth, limits, answer as never);
await server.listen(port);
console.log(JSON.stringify({ url, demo, extraHmac, pid: process.pid }));
// Profiling window marks (the profiles group): the monotonic clock in µs, the clock of --cpu-prof's sample times.
process.on('SIGUSR2', () => console.log(`MARK ${process.hrtime.bigint() / 1000n}`));
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
