// The guards benchmark server: the payauth sandbox plus one route served four ways — no auth, hmac, Bearer (api-key
// tokens), Bearer + apikey (private-key-jwt tokens) — all answering the same small JSON body, and beside each guard
// and token endpoint its honest limit: a minimal Fastify route doing only that mechanism's raw crypto (limits.ts).
// BENCH_SINGLE_USE=1 turns single-use hmac on; BENCH_HMAC_KEYS=N adds N hmac access keys (bench-hmac-0…) sharing
// the demo secret, so that a fixed-rate load can send distinct headers faster than one per millisecond.

import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CredentialService,
  createBearerGuard,
  createHmacGuard,
  createPayauthServer,
  Envelope,
  type GuardResult,
  SqliteStore,
} from '@payauth/server';
import { seedDemo } from '../../packages/cli/src/demo.ts';
import { createLimits } from './limits.ts';

const port = Number(process.argv[2] ?? 0) || 18_181;
const directory = mkdtempSync(join(tmpdir(), 'payauth-bench-'));
const store = new SqliteStore(join(directory, 'bench.db'));
await store.migrate();
const envelope = new Envelope(randomBytes(32));
const url = `http://127.0.0.1:${port}`;
const demo = await seedDemo({
  service: new CredentialService({ store, envelope }),
  store,
  directory,
  issuer: url,
});
const service = new CredentialService({ store, envelope });
const extraKeys = Number(process.env.BENCH_HMAC_KEYS ?? 0);
for (let index = 0; index < extraKeys; index++) {
  await service.create('hmac', {
    partnerId: 'demo-partner',
    publicId: `bench-hmac-${index}`,
    secret: demo.hmac.secretKey,
  });
}
const server = await createPayauthServer({
  store,
  envelope,
  issuer: url,
  logger: false,
  ...(process.env.BENCH_SINGLE_USE === '1'
    ? { config: { hmac: { maxAgeMs: 300_000, maxFutureMs: 300_000, singleUse: true } } }
    : {}),
});
const { app, context } = server;
const body = '{"ok":true}';
const guarded =
  (guard: (request: never) => Promise<GuardResult>) =>
  async (
    request: {
      headers: Record<string, string | string[] | undefined>;
      ip: string;
      id: string;
      method: string;
    },
    reply: {
      code: (n: number) => { headers: (h: Record<string, string>) => { send: (b: string) => unknown } };
    },
  ) => {
    const result = await guard({
      method: request.method,
      headers: request.headers,
      address: request.ip,
      requestId: request.id,
    } as never);
    if (!result.ok)
      return reply.code(result.response.status).headers(result.response.headers).send(result.response.body);
    return reply.code(200).headers({ 'content-type': 'application/json; charset=utf-8' }).send(body);
  };
app.get('/bench/none', async (_request, reply) =>
  reply.code(200).headers({ 'content-type': 'application/json; charset=utf-8' }).send(body),
);
app.get('/bench/hmac', guarded(createHmacGuard(context) as never) as never);
app.get(
  '/bench/bearer',
  guarded(createBearerGuard(context, { surface: 'api-key', mechanisms: ['api-key'] }) as never) as never,
);
app.get(
  '/bench/bearer-apikey',
  guarded(
    createBearerGuard(context, {
      surface: 'bearer',
      mechanisms: ['private-key-jwt'],
      requireApikey: true,
    }) as never,
  ) as never,
);
// A token endpoint floor: the same route shape, no crypto at all.
app.post('/bench/token-floor', async (_request, reply) =>
  reply
    .code(200)
    .headers({ 'content-type': 'application/json; charset=utf-8' })
    .send('{"accessToken":"x","expiresIn":3600}'),
);

// The honest limits, in the same framework and process.
const limits = createLimits({
  hmacSecret: demo.hmac.secretKey,
  jwks: context.issuer.jwks(),
  apikey: demo['private-key-jwt'].apiKey,
  apiSecret: demo['api-key'].apiSecret,
  appSecret: demo['app-token'].secretKey,
  certificatePath: demo['private-key-jwt'].certificatePath,
});
const json = { 'content-type': 'application/json; charset=utf-8' };
const refused = '{"error":"refused"}';
type Header = string | string[] | undefined;
const one = (value: Header) => (Array.isArray(value) ? value[0] : value);
app.get('/limit/hmac', async (request, reply) =>
  limits.hmac(one(request.headers.authorization))
    ? reply.code(200).headers(json).send(body)
    : reply.code(401).headers(json).send(refused),
);
app.get('/limit/bearer', async (request, reply) =>
  limits.bearer(one(request.headers.authorization))
    ? reply.code(200).headers(json).send(body)
    : reply.code(401).headers(json).send(refused),
);
app.get('/limit/bearer-apikey', async (request, reply) =>
  limits.bearerApikey(one(request.headers.authorization), one(request.headers.apikey))
    ? reply.code(200).headers(json).send(body)
    : reply.code(401).headers(json).send(refused),
);
for (const [path, kernel] of [
  ['/limit/business-auth', limits.businessAuth],
  ['/limit/fondy', limits.fondy],
  ['/limit/connect-token', limits.connectToken],
] as const) {
  app.post(path, async (request, reply) => {
    const answer = kernel(request.body as string);
    return answer === undefined
      ? reply.code(401).headers(json).send(refused)
      : reply
          .code(200)
          .headers({ ...json, 'cache-control': 'no-store' })
          .send(answer);
  });
}
await server.listen(port);
console.log(JSON.stringify({ url, demo, pid: process.pid }));
// Profiling window marks (bench/profile.ts): the monotonic clock in µs, the clock of --cpu-prof's sample times.
process.on('SIGUSR2', () => console.log(`MARK ${process.hrtime.bigint() / 1000n}`));
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
