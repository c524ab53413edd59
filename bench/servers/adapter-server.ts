// One adapter's benchmark server: payauth embedded in Express, Hono (on @hono/node-server) or a plain fetch handler
// (on @hono/node-server), with the same five routes in each: no guard, the hmac guard, the Bearer guard (api-key
// tokens), and the hand-written hmac and Bearer limits (limits.ts) written the way that framework writes a route.
// Usage: node bench/servers/adapter-server.ts <express|hono|fetch> <port>
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createPayauth } from '@payauth/server';
import { requireAuth as expressAuth, payauthRouter } from '@payauth/server/express';
import { authenticate, payauthHandler } from '@payauth/server/fetch';
import { requireAuth as honoAuth, payauthRoutes } from '@payauth/server/hono';
import express from 'express';
import { Hono } from 'hono';
import { BODY, guardLimits, JSON_TYPE, REFUSED } from './limit-routes.ts';
import { createLimits, limitKeysOf } from './limits.ts';

const [framework, portText] = process.argv.slice(2);
const port = Number(portText);
const url = `http://127.0.0.1:${port}`;
const payauth = await createPayauth({
  store: join(mkdtempSync(join(tmpdir(), 'payauth-bench-')), 'bench.db'),
  issuer: url,
  demo: true,
  // As an API team's instance: no rehearsal scenarios (on with `demo`, they wrap every guard and the clock).
  scenarios: false,
  hints: false,
  logger: false,
  // Metrics as an API team's instance has them by default (off; `payauth serve --demo` turns them on for the
  // dashboard): the limits count nothing either. Their cost is measured apart: `node bench/metrics-overhead.ts`.
  metrics: false,
});
const demo = payauth.demo!;
const limits = guardLimits(createLimits(limitKeysOf(payauth)));
const limitPaths = ['/limit/hmac', '/limit/bearer'];
let close: () => Promise<void>;

if (framework === 'express') {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(payauthRouter(payauth));
  const answer = (_request: express.Request, response: express.Response) => {
    response.status(200).set('content-type', JSON_TYPE).send(BODY);
  };
  app.get('/bench/none', answer);
  app.get('/bench/hmac', expressAuth(payauth, 'hmac'), answer);
  app.get('/bench/bearer', expressAuth(payauth, 'api-key'), answer);
  for (const path of limitPaths) {
    app.get(path, (request, response) => {
      const passes = limits[path]!((name) => request.get(name));
      response
        .status(passes ? 200 : 401)
        .set('content-type', JSON_TYPE)
        .send(passes ? BODY : REFUSED);
    });
  }
  const server = app.listen(port, '127.0.0.1');
  server.keepAliveTimeout = 72_000;
  await new Promise((resolve) => server.once('listening', resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
} else if (framework === 'hono') {
  const app = new Hono();
  app.route('/', payauthRoutes(payauth));
  const answer = (c: { body: (b: string, s: 200, h: Record<string, string>) => Response }) =>
    c.body(BODY, 200, { 'content-type': JSON_TYPE });
  app.get('/bench/none', answer);
  app.get('/bench/hmac', honoAuth(payauth, 'hmac'), answer);
  app.get('/bench/bearer', honoAuth(payauth, 'api-key'), answer);
  for (const path of limitPaths) {
    app.get(path, (c) =>
      limits[path]!((name) => c.req.header(name))
        ? c.body(BODY, 200, { 'content-type': JSON_TYPE })
        : c.body(REFUSED, 401, { 'content-type': JSON_TYPE }),
    );
  }
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
} else if (framework === 'fetch') {
  const handler = payauthHandler(payauth);
  const json = { 'content-type': JSON_TYPE };
  const guarded = { '/bench/hmac': 'hmac', '/bench/bearer': 'api-key' } as const;
  const fetchHandler = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path === '/bench/none') return new Response(BODY, { status: 200, headers: json });
    if (path in guarded) {
      const result = await authenticate(payauth, guarded[path as keyof typeof guarded], request);
      return result.ok ? new Response(BODY, { status: 200, headers: json }) : result.response;
    }
    const limit = limits[path];
    if (limit) {
      return limit((name) => request.headers.get(name) ?? undefined)
        ? new Response(BODY, { status: 200, headers: json })
        : new Response(REFUSED, { status: 401, headers: json });
    }
    return (await handler(request)) ?? new Response('{"error":"not found"}', { status: 404, headers: json });
  };
  const server = serve({ fetch: fetchHandler, port, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
} else {
  throw new Error('framework: express, hono or fetch');
}
console.log(JSON.stringify({ url, demo, pid: process.pid, framework }));
process.on('SIGTERM', async () => {
  await close();
  await payauth.close();
  process.exit(0);
});
