// Type-level checks, never executed: `npm run lint` (tsc over test/**/*.ts) fails if the principal is not typed in
// each framework's own slot without a cast — `req.payauth` (Express), `c.get('payauth')` (Hono with
// `PayauthVariables`), `request.payauth` (Fastify) — or if `authenticate` (fetch) does not narrow on `ok`.
import type { Payauth, Principal } from '@payauth/server';
import * as expressAdapter from '@payauth/server/express';
import * as fastifyAdapter from '@payauth/server/fastify';
import * as fetchAdapter from '@payauth/server/fetch';
import * as honoAdapter from '@payauth/server/hono';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';

/** True when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only with `true`. */
function assertType<_Check extends true>(): void {}

export function checkPrincipalTypes(payauth: Payauth): void {
  const expressApp = express();
  expressApp.get('/', expressAdapter.requireAuth(payauth, 'hmac'), (req, res) => {
    assertType<Equal<typeof req.payauth, Principal | undefined>>();
    res.json(req.payauth?.partnerId);
  });

  const honoApp = new Hono<{ Variables: honoAdapter.PayauthVariables }>();
  honoApp.route('/', honoAdapter.payauthRoutes(payauth));
  honoApp.get('/', honoAdapter.requireAuth(payauth, 'api-key'), (c) => {
    const principal = c.get('payauth');
    assertType<Equal<typeof principal, Principal>>();
    return c.json({ partner: principal.partnerId });
  });

  const fastifyApp = Fastify();
  void fastifyApp.register(fastifyAdapter.payauthPlugin, { payauth });
  fastifyApp.get('/', { onRequest: fastifyAdapter.requireAuth(payauth, 'app-token') }, async (request) => {
    assertType<Equal<typeof request.payauth, Principal | undefined>>();
    return { partner: request.payauth?.partnerId };
  });
  fastifyApp.get(
    '/pre',
    { preHandler: fastifyAdapter.requireAuth(payauth, 'app-token') },
    async (request) => {
      assertType<Equal<typeof request.payauth, Principal | undefined>>();
      return {};
    },
  );

  void (async (request: Request) => {
    const result = await fetchAdapter.authenticate(payauth, 'private-key-jwt', request);
    if (result.ok) assertType<Equal<typeof result.principal, Principal>>();
    else assertType<Equal<typeof result.response, Response>>();
  });

  // @ts-expect-error: a mechanism name that does not exist is refused at compile time too.
  expressAdapter.requireAuth(payauth, 'basic');
}
