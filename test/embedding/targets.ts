import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { Agent, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Http2Bindings, type HttpBindings, serve } from '@hono/node-server';
import type { Mechanism } from '@payauth/core';
import {
  createPayauth,
  MemorySharedState,
  type Payauth,
  type PayauthOptions,
  SqliteStore,
  StoreUnavailableError,
} from '@payauth/server';
import * as expressAdapter from '@payauth/server/express';
import * as fastifyAdapter from '@payauth/server/fastify';
import * as fetchAdapter from '@payauth/server/fetch';
import * as honoAdapter from '@payauth/server/hono';
import { createPayauthServer } from '@payauth/server/standalone';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';

/** The public URL every target is configured with (as behind a proxy): metadata and `aud` are then the same bytes. */
export const ISSUER = 'https://payauth.example.test';

/** The mechanisms, in the order the suite checks them. */
export const MECHANISMS: readonly Mechanism[] = ['hmac', 'app-token', 'private-key-jwt', 'api-key'];

/** Switches that make the store or the shared state of a target unreachable (every call rejects with 503's error). */
export interface Outage {
  store: boolean;
  state: boolean;
}

/** One server under test: a framework with payauth mounted, and user routes `/app/<mechanism>` behind `requireAuth`. */
export interface Target {
  readonly name: string;
  readonly url: string;
  readonly payauth: Payauth;
  /** Where the user routes guarded by `requireAuth(payauth, mechanism)` are: `${prefix}/${mechanism}`. */
  readonly userPrefix: string;
  readonly outage: Outage;
  /** The demo's files (the eMoney client's .pfx). */
  readonly directory: string;
  close(): Promise<void>;
}

/**
 * Builds an object whose methods all reject with StoreUnavailableError while `down()`. The shared state's synchronous
 * fast paths (`peekNow`, `incrementNow`: in-process memory only) are hidden meanwhile, so that callers take the
 * asynchronous path a remote state (Redis) has, and see the outage there.
 */
function switchable<T extends object>(target: T, down: () => boolean): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (typeof value !== 'function' || property === 'close' || property === 'constructor') {
        return typeof value === 'function' ? value.bind(object) : value;
      }
      if (String(property).endsWith('Now') && down()) return undefined;
      return (...args: unknown[]) =>
        down() ? Promise.reject(new StoreUnavailableError('test outage')) : value.apply(object, args);
    },
  });
}

/** The options every target's payauth is built with: a SQLite `:memory:` store and memory state that can be cut. */
async function payauthOptions(
  outage: Outage,
  directory: string,
  overrides: Partial<PayauthOptions> = {},
): Promise<PayauthOptions> {
  const store = new SqliteStore(':memory:');
  await store.migrate();
  return {
    store: switchable(store, () => outage.store),
    redis: switchable(new MemorySharedState(), () => outage.state),
    masterKey: randomBytes(32).toString('hex'),
    issuer: ISSUER,
    demo: true,
    demoDirectory: directory,
    sandbox: true,
    hints: true,
    pollIntervalMs: 100,
    logger: false,
    ...overrides,
  };
}

async function listening(server: Server): Promise<string> {
  if (!server.listening) await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

type Builder = (
  outage: Outage,
  directory: string,
  overrides?: Partial<PayauthOptions>,
) => Promise<Omit<Target, 'outage' | 'directory'>>;

/** A target whose HTTP server is a plain Node server: closing it closes its connections, then payauth. */
async function served(
  name: string,
  payauth: Payauth,
  server: Server,
): Promise<Omit<Target, 'outage' | 'directory'>> {
  return {
    name,
    url: await listening(server),
    payauth,
    userPrefix: '/app',
    close: async () => {
      await closeServer(server);
      await payauth.close();
    },
  };
}

/** Express 5: `payauthRouter` mounted before the app's body parser, `requireAuth` on the user routes. */
const buildExpress: Builder = async (outage, directory, overrides) => {
  const payauth = await createPayauth(await payauthOptions(outage, directory, overrides));
  const app = express();
  app.use(expressAdapter.payauthRouter(payauth));
  app.use(express.json());
  for (const mechanism of MECHANISMS) {
    app.get(`/app/${mechanism}`, expressAdapter.requireAuth(payauth, mechanism), (request, response) => {
      response.json({ principal: request.payauth });
    });
  }
  return served('express', payauth, app.listen(0, '127.0.0.1'));
};

/** Hono 4 on @hono/node-server: `app.route('/', payauthRoutes(payauth))`, `requireAuth` on the user routes. */
const buildHono: Builder = async (outage, directory, overrides) => {
  const payauth = await createPayauth(await payauthOptions(outage, directory, overrides));
  const app = new Hono<{ Variables: honoAdapter.PayauthVariables }>();
  app.route('/', honoAdapter.payauthRoutes(payauth));
  for (const mechanism of MECHANISMS) {
    app.get(`/app/${mechanism}`, honoAdapter.requireAuth(payauth, mechanism), (c) =>
      c.json({ principal: c.get('payauth') }),
    );
  }
  return served('hono', payauth, serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server);
};

/**
 * Fastify 5: `payauthPlugin`, `requireAuth` as `onRequest` on `/app/<mechanism>` and as `preHandler` on
 * `/pre/<mechanism>` (the `fastify-prehandler` target is the same server seen through those routes).
 */
const buildFastify: Builder = async (outage, directory, overrides) => {
  const payauth = await createPayauth(await payauthOptions(outage, directory, overrides));
  const app = Fastify();
  await app.register(fastifyAdapter.payauthPlugin, { payauth });
  for (const mechanism of MECHANISMS) {
    const guard = fastifyAdapter.requireAuth(payauth, mechanism);
    app.get(`/app/${mechanism}`, { onRequest: guard }, async (request) => ({ principal: request.payauth }));
    app.get(`/pre/${mechanism}`, { preHandler: guard }, async (request) => ({ principal: request.payauth }));
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    name: 'fastify',
    url: await listening(app.server),
    payauth,
    userPrefix: '/app',
    close: async () => {
      await app.close();
      await payauth.close();
    },
  };
};

/** The fetch adapter on @hono/node-server's `serve` with a plain fetch function (no Hono app). */
const buildFetch: Builder = async (outage, directory, overrides) => {
  const payauth = await createPayauth(await payauthOptions(outage, directory, overrides));
  const addresses = new WeakMap<Request, string>();
  const options = { address: (request: Request) => addresses.get(request) ?? 'unknown' };
  const handle = fetchAdapter.payauthHandler(payauth, options);
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings): Promise<Response> => {
    addresses.set(request, env.incoming.socket.remoteAddress ?? 'unknown');
    const answer = await handle(request);
    if (answer) return answer;
    const mechanism = MECHANISMS.find((name) => new URL(request.url).pathname === `/app/${name}`);
    if (request.method !== 'GET' || mechanism === undefined)
      return new Response('not found', { status: 404 });
    const result = await fetchAdapter.authenticate(payauth, mechanism, request, options);
    return result.ok ? Response.json({ principal: result.principal }) : result.response;
  };
  return served('fetch', payauth, serve({ fetch, port: 0, hostname: '127.0.0.1' }) as Server);
};

/** `payauth serve` as a library (createPayauthServer), with the user routes added to its Fastify app. */
const buildServe: Builder = async (outage, directory, overrides) => {
  const server = await createPayauthServer({
    ...(await payauthOptions(outage, directory, overrides)),
    logger: false,
  });
  for (const mechanism of MECHANISMS) {
    server.app.get(
      `/app/${mechanism}`,
      { onRequest: fastifyAdapter.requireAuth(server.payauth, mechanism) },
      async (request) => ({ principal: request.payauth }),
    );
  }
  return {
    name: 'serve',
    url: await server.listen(0),
    payauth: server.payauth,
    userPrefix: '/app',
    close: () => server.close(),
  };
};

/** Every target of the conformance suite, by name. */
export const BUILDERS: Readonly<Record<string, Builder>> = {
  serve: buildServe,
  express: buildExpress,
  hono: buildHono,
  fastify: buildFastify,
  fetch: buildFetch,
};

/** Starts one target with a fresh store, the demo seeded, and the outage switches off. */
export async function startTarget(name: string, overrides: Partial<PayauthOptions> = {}): Promise<Target> {
  const outage: Outage = { store: false, state: false };
  const directory = mkdtempSync(join(tmpdir(), `payauth-${name}-`));
  const built = await BUILDERS[name]!(outage, directory, overrides);
  return { ...built, outage, directory };
}

/** An HTTP request as the suite sends it: raw header pairs (a name may repeat), a body as bytes or text. */
export interface WireRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string | Buffer;
  /** On a new connection rather than a kept-alive one (`true`), or on the given agent's. */
  readonly fresh?: boolean;
  readonly agent?: Agent;
}

/** An answer: status, headers (lower-case names, as Node parses them), the body as text. */
export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /** The connection it came on. */
  readonly socket?: Socket;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** Sends one request with node:http (so that headers are exactly those given: no user-agent, no accept). */
export async function send(base: string, wire: WireRequest): Promise<WireResponse> {
  try {
    return await sendOnce(base, wire);
  } catch (error) {
    // Node's keep-alive race (node:http, `request.reusedSocket`): a kept-alive socket the server closed, at its
    // keep-alive timeout, just as this request was written on it. The request never reached a handler; sent again
    // on a fresh socket, once.
    if (
      (error as { reusedSocket?: boolean }).reusedSocket &&
      (error as NodeJS.ErrnoException).code === 'ECONNRESET'
    )
      return sendOnce(base, { ...wire, fresh: true });
    throw error;
  }
}

function sendOnce(base: string, wire: WireRequest): Promise<WireResponse> {
  const url = new URL(wire.path, base);
  // A name given twice is sent as two header lines (Node writes an array value that way).
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of wire.headers ?? []) {
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [existing, value].flat();
  }
  const body = wire.body === undefined ? undefined : Buffer.from(wire.body);
  const named = (wanted: string) => (wire.headers ?? []).some(([name]) => name.toLowerCase() === wanted);
  if (body !== undefined && !named('content-length') && !named('transfer-encoding')) {
    headers['Content-Length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        agent: wire.fresh ? false : (wire.agent ?? agent),
        host: url.hostname,
        port: url.port,
        method: wire.method ?? 'GET',
        path: url.pathname + url.search,
        headers,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        // Taken now: a kept-alive socket is detached from the response once it goes back to the agent.
        const socket = incoming.socket;
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            socket,
          }),
        );
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', (error) => reject(Object.assign(error, { reusedSocket: outgoing.reusedSocket })));
    outgoing.end(body);
  });
}
