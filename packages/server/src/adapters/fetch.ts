import type { Mechanism } from '@payauth/core';
import { matchRoute, runRoute } from '../http/dispatch.ts';
import { GuardRequest } from '../http/guard-request.ts';
import { queryFromSearch, targetOf } from '../http/query.ts';
import { createRequestId } from '../http/request-id.ts';
import type { AuthRequest, Principal } from '../http/types.ts';
import { contextOf, type Payauth } from '../payauth.ts';
import { headersFromFetch, readFetchBody, toFetchResponse } from './fetch-body.ts';

/** Options of the fetch adapter. */
export interface FetchAdapterOptions {
  /** The client's address (fetch has none; your platform knows it). Default `unknown`: then the per-address failure
   * budget is shared by every caller, so give it when you can. */
  readonly address?: (request: Request) => string;
}

function toAuthRequest(request: Request, url: URL, options: FetchAdapterOptions): AuthRequest {
  const headers = headersFromFetch(request.headers);
  return {
    method: request.method,
    path: url.pathname,
    headers,
    query: queryFromSearch(url.searchParams),
    address: options.address?.(request) ?? 'unknown',
    requestId: createRequestId(),
  };
}

/**
 * The fetch adapter: a handler for payauth's routes (token endpoints, metadata, JWKS), for any framework that speaks
 * fetch on Node (route handlers, `Bun.serve`-style servers, @hono/node-server…). Resolves to `undefined` when the
 * path is not one of payauth's, so that your own handler can go on.
 *
 * @example
 * ```ts
 * const handle = payauthHandler(payauth)
 * export default { fetch: async (request: Request) => (await handle(request)) ?? new Response('not found', { status: 404 }) }
 * ```
 */
export function payauthHandler(
  payauth: Payauth,
  options: FetchAdapterOptions = {},
): (request: Request) => Promise<Response | undefined> {
  return async function handlePayauth(request) {
    const url = new URL(request.url);
    const match = matchRoute(payauth.routes, request.method, url.pathname);
    if (!match) return undefined;
    const base = { ...toAuthRequest(request, url, options), params: match.params };
    const read = match.route.readsBody ? await readFetchBody(request) : undefined;
    const answer = await runRoute(contextOf(payauth), match.route, { ...base, ...read });
    // HEAD: the GET route's status and headers, no body (what the frameworks' adapters answer).
    return request.method === 'HEAD'
      ? new Response(null, { status: answer.status, headers: answer.headers })
      : toFetchResponse(answer);
  };
}

/**
 * Checks a fetch `Request` for one mechanism. Reads headers only (never the body), so it can run before anything
 * else.
 *
 * @example
 * ```ts
 * const result = await authenticate(payauth, 'hmac', request)
 * if (!result.ok) return result.response
 * return Response.json({ partner: result.principal.partnerId })
 * ```
 */
export async function authenticate(
  payauth: Payauth,
  mechanism: Mechanism,
  request: Request,
  options: FetchAdapterOptions = {},
): Promise<{ ok: true; principal: Principal } | { ok: false; response: Response }> {
  const checked = payauth.guard(mechanism)(
    new GuardRequest(
      request.method,
      headersFromFetch(request.headers),
      targetOf(request.url),
      options.address?.(request) ?? 'unknown',
    ),
  );
  const result = checked instanceof Promise ? await checked : checked;
  return result.ok ? result : { ok: false, response: toFetchResponse(result.response) };
}
