import type { IncomingMessage } from 'node:http';
import type { Mechanism } from '@payauth/core';
import { type Context, Hono, type MiddlewareHandler, type Next } from 'hono';
import { connectionAddress } from '#address/context';
import { assertMechanism } from '../guards/authenticate.ts';
import { runRoute } from '../http/dispatch.ts';
import { GuardRequest } from '../http/guard-request.ts';
import { headersFromRaw } from '../http/headers.ts';
import { queryFromSearch, targetOf } from '../http/query.ts';
import { createRequestId } from '../http/request-id.ts';
import type { AuthRequest, GuardResult, Principal } from '../http/types.ts';
import { contextOf, type Payauth } from '../payauth.ts';
import { incomingOf } from './address/incoming.ts';
import { type AddressOption, resolveAddress } from './address/option.ts';
import { headersFromFetch, readFetchBody, toFetchResponse } from './fetch-body.ts';

/** The variables payauth's middleware sets: `c.get('payauth')` is the principal. */
export type PayauthVariables = { payauth: Principal };

/** Options of the Hono adapter. */
export interface HonoAdapterOptions {
  /**
   * The caller's address, for the per-address failure budget and the audit trail: fixed, or a function of the
   * context (answering undefined leaves it to the runtime). By default the runtime's, through hono's `getConnInfo`
   * for Bun, Deno and Cloudflare Workers (`CF-Connecting-IP`) and the socket on @hono/node-server; else `unknown`,
   * and then every caller shares one budget.
   */
  readonly address?: AddressOption<Context>;
}

// On @hono/node-server the Node request (incomingOf) has raw headers that keep a repeated header visible (and reading
// them does not build a fetch `Headers`); elsewhere the fetch request's headers are read.
function headersOf(c: Context, incoming: IncomingMessage | undefined): AuthRequest['headers'] {
  return incoming?.rawHeaders ? headersFromRaw(incoming.rawHeaders) : headersFromFetch(c.req.raw.headers);
}

/** The caller's address: the option's, else the runtime's (SPEC.md, "Every runtime"). */
function addressOf(c: Context, options: HonoAdapterOptions): string {
  return resolveAddress(options.address, c, () => connectionAddress(c));
}

function toAuthRequest(c: Context, options: HonoAdapterOptions): AuthRequest {
  const url = new URL(c.req.url);
  const headers = headersOf(c, incomingOf(c));
  return {
    method: c.req.method,
    path: url.pathname,
    headers,
    query: queryFromSearch(url.searchParams),
    params: c.req.param() as Record<string, string>,
    address: addressOf(c, options),
    requestId: createRequestId(),
  };
}

/**
 * A Hono app serving payauth's routes (token endpoints, OAuth metadata, JWKS, and routes added with
 * `payauth.addRoutes`), to mount with `app.route('/', payauthRoutes(payauth))`.
 *
 * @example
 * ```ts
 * const app = new Hono<{ Variables: PayauthVariables }>()
 * app.route('/', payauthRoutes(payauth))
 * app.get('/api/accounts', requireAuth(payauth, 'hmac'), (c) => c.json({ partner: c.get('payauth').partnerId }))
 * ```
 */
export function payauthRoutes(payauth: Payauth, options: HonoAdapterOptions = {}): Hono {
  const app = new Hono();
  for (const route of payauth.routes) {
    app.on(route.method, route.path, async (c) => {
      const read = route.readsBody ? await readFetchBody(c.req.raw) : {};
      return toFetchResponse(
        await runRoute(contextOf(payauth), route, { ...toAuthRequest(c, options), ...read }),
      );
    });
  }
  return app;
}

/**
 * Hono middleware that lets a request through only when it authenticates with `mechanism`; it reads headers only
 * and sets `c.get('payauth')`. A refused request gets that mechanism's documented body and status.
 *
 * @example
 * ```ts
 * app.get('/business/balance', requireAuth(payauth, 'api-key'), (c) => c.json({ partner: c.get('payauth').partnerId }))
 * ```
 */
export function requireAuth(
  payauth: Payauth,
  mechanism: Mechanism,
  options: HonoAdapterOptions = {},
): MiddlewareHandler<{ Variables: PayauthVariables }> {
  assertMechanism(mechanism);
  const check = payauth.guard(mechanism);
  const conclude = (
    c: Context<{ Variables: PayauthVariables }>,
    next: Next,
    result: GuardResult,
  ): ReturnType<MiddlewareHandler> => {
    if (!result.ok) return Promise.resolve(toFetchResponse(result.response));
    c.set('payauth', result.principal);
    return next();
  };
  // Not an async function: when the verdict needs no waiting, the next handler runs in the same tick and the only
  // promise is the one Hono's `next()` returns.
  return function payauthGuard(c, next) {
    const incoming = incomingOf(c);
    const checked = check(
      new GuardRequest(
        c.req.method,
        headersOf(c, incoming),
        incoming?.url ?? targetOf(c.req.url),
        addressOf(c, options),
      ),
    );
    return checked instanceof Promise
      ? checked.then((result) => conclude(c, next, result))
      : conclude(c, next, checked);
  };
}
