import { Readable } from 'node:stream';
import type { Mechanism } from '@payauth/core';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { assertMechanism } from '../guards/authenticate.ts';
import { runRoute } from '../http/dispatch.ts';
import { GuardRequest, type RouteParts, RouteRequest } from '../http/guard-request.ts';
import { headersFromRaw } from '../http/headers.ts';
import {
  BODY_LIMIT,
  type BodyProblem,
  type GuardResult,
  type NeutralResponse,
  type Principal,
  type Route,
} from '../http/types.ts';
import { contextOf, type Payauth } from '../payauth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request authenticated as, set by payauth's `requireAuth` hook. */
    payauth?: Principal;
  }
  interface FastifyContextConfig {
    payauthRoute?: Route;
  }
}

/** The request of one of payauth's routes, with the body Fastify read or the problem that kept it from reading one. */
function routeRequest(request: FastifyRequest, parts: Omit<RouteParts, 'params'>): RouteRequest {
  return new RouteRequest(
    request.method,
    headersFromRaw(request.raw.rawHeaders),
    request.url,
    request.ip,
    // `payauth serve` generates ids of Fondy's shape, so its logs and answers agree; another app's ids are not.
    request.id,
    { params: (request.params ?? {}) as Record<string, string>, ...parts },
  );
}

function send(reply: FastifyReply, response: NeutralResponse): FastifyReply {
  reply.code(response.status).headers(response.headers);
  // Fastify sends Node streams, not async iterables: Readable.from wraps the stream, and calls its return() when the
  // client goes away (so an event stream's listener ends with its connection).
  return response.stream === undefined
    ? reply.send(response.body)
    : reply.send(Readable.from(response.stream, { objectMode: false }));
}

/** Options of {@link payauthPlugin}. */
export interface PayauthPluginOptions {
  readonly payauth: Payauth;
}

/**
 * The Fastify plugin: serves payauth's routes (token endpoints, OAuth metadata, JWKS, and routes added with
 * `payauth.addRoutes` before it is registered) and declares `request.payauth`. Bodies are read raw in the plugin's
 * own scope, since the documents fix their own answers for malformed JSON and wrong content types; your app's parsers
 * are untouched.
 *
 * @example
 * ```ts
 * const app = Fastify()
 * await app.register(payauthPlugin, { payauth })
 * app.get('/api/accounts', { onRequest: requireAuth(payauth, 'hmac') }, async (request) => ({ partner: request.payauth?.partnerId }))
 * ```
 */
export const payauthPlugin: FastifyPluginAsync<PayauthPluginOptions> = fastifyPlugin(
  async function payauth(app: FastifyInstance, options: PayauthPluginOptions) {
    const instance = options.payauth;
    if (!app.hasRequestDecorator('payauth')) app.decorateRequest('payauth', undefined);
    // An open event stream would keep close() waiting for its connection: end the streams first.
    app.addHook('preClose', async () => {
      instance.endStreams();
    });
    await app.register(async function payauthRoutes(scope) {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(
        '*',
        { parseAs: 'string', bodyLimit: BODY_LIMIT },
        (_request, body, done) => {
          done(null, body);
        },
      );
      scope.setErrorHandler(async (error, request, reply) => {
        const route = request.routeOptions.config.payauthRoute;
        const code = (error as { code?: string }).code ?? '';
        const status = (error as { statusCode?: number }).statusCode;
        if (route === undefined) throw error;
        // A body Fastify could not read (too large, bad encoding, aborted) gets the route's documented answer.
        const bodyProblem: BodyProblem | undefined =
          code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413
            ? 'too-large'
            : code.startsWith('FST_ERR_CTP_') || status === 400
              ? 'unreadable'
              : undefined;
        const request_ = routeRequest(request, { bodyProblem });
        if (bodyProblem) return send(reply, await runRoute(contextOf(instance), route, request_));
        // Any other error is answered by the neutral failure rendering (503 for an unreachable store, else 500).
        return send(
          reply,
          await runRoute(contextOf(instance), { ...route, handle: () => Promise.reject(error) }, request_),
        );
      });
      for (const route of instance.routes) {
        scope.route({
          method: route.method,
          url: route.path,
          bodyLimit: BODY_LIMIT,
          config: { payauthRoute: route },
          // A callback-style handler: the answer is sent when the route settles, without a second promise for
          // Fastify to follow. runRoute renders the route's errors as answers; anything else goes to the error
          // handler above, as a throw from an async handler would.
          handler: (request, reply) => {
            const body = typeof request.body === 'string' ? request.body : route.readsBody ? '' : undefined;
            runRoute(contextOf(instance), route, routeRequest(request, { body })).then(
              (response) => {
                send(reply, response);
              },
              (error: unknown) => {
                reply.send(error);
              },
            );
          },
        });
      }
    });
  },
  { name: '@payauth/server', fastify: '5.x' },
);

/**
 * A Fastify hook that lets a request through only when it authenticates with `mechanism`, and sets
 * `request.payauth`. It reads headers only, so use it as `onRequest` (before the body is parsed, as
 * @fastify/bearer-auth does against denial of service) or as `preHandler`. A callback hook: when the verdict needs
 * no waiting (in-process shared state, cached credential), Fastify goes on without a promise.
 *
 * @example
 * ```ts
 * app.get('/public/v1/users', { onRequest: requireAuth(payauth, 'private-key-jwt') }, async (request) => request.payauth)
 * ```
 */
export function requireAuth(
  payauth: Payauth,
  mechanism: Mechanism,
): (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void {
  assertMechanism(mechanism);
  const check = payauth.guard(mechanism);
  const conclude = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
    result: GuardResult,
  ) => {
    // A refusal is answered from the hook: Fastify then runs neither the body parser nor the handler.
    if (!result.ok) send(reply, result.response);
    else {
      request.payauth = result.principal;
      done();
    }
  };
  return function payauthGuard(request, reply, done) {
    const result = check(
      new GuardRequest(
        request.method,
        headersFromRaw(request.raw.rawHeaders),
        request.url,
        request.ip,
        request.id,
      ),
    );
    if (result instanceof Promise) result.then((settled) => conclude(request, reply, done, settled), done);
    else conclude(request, reply, done, result);
  };
}
