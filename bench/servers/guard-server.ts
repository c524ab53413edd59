// The guards benchmark server: the payauth sandbox plus one route served four ways — no auth, hmac, Bearer (api-key
// tokens), Bearer + apikey (private-key-jwt tokens) — all answering the same small JSON body.

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
const server = await createPayauthServer({ store, envelope, issuer: url, logger: false });
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
await server.listen(port);
console.log(JSON.stringify({ url, demo }));
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
