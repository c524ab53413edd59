// The guards benchmark server: the payauth sandbox plus one route served four ways — no auth, hmac, Bearer (api-key
// tokens), Bearer + apikey (private-key-jwt tokens) — all answering the same small JSON body, guarded by the Fastify
// adapter's `requireAuth` hook as an embedding app would.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireAuth } from '@payauth/server/fastify';
import { createPayauthServer } from '@payauth/server/standalone';

const port = Number(process.argv[2] ?? 0) || 18_181;
const directory = mkdtempSync(join(tmpdir(), 'payauth-bench-'));
const url = `http://127.0.0.1:${port}`;
const server = await createPayauthServer({
  store: join(directory, 'bench.db'),
  issuer: url,
  demo: true,
  hints: false,
  logger: false,
});
const { app, payauth } = server;
const demo = payauth.demo;
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
await server.listen(port);
console.log(JSON.stringify({ url, demo }));
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
