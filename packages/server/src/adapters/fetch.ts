import type { Mechanism } from '@payauth/core';
import { platformAddress } from '#address/request';
import { matchRoute, runRoute } from '../http/dispatch.ts';
import { GuardRequest } from '../http/guard-request.ts';
import { queryFromSearch, targetOf } from '../http/query.ts';
import { createRequestId } from '../http/request-id.ts';
import type { AuthRequest, Principal } from '../http/types.ts';
import { contextOf, type Payauth } from '../payauth.ts';
import { type AddressOption, resolveAddress } from './address/option.ts';
import { headersFromFetch, readFetchBody, toFetchResponse } from './fetch-body.ts';

/** Options of the fetch adapter. */
export interface FetchAdapterOptions {
  /**
   * The caller's address, for the per-address failure budget and the audit trail: fixed, or a function of the request
   * (answering undefined leaves it to the runtime). By default the runtime's: Bun's `server.requestIP`, Deno's
   * `info.remoteAddr` (both passed as the handler's second argument by `Bun.serve` and `Deno.serve`), Workers'
   * `CF-Connecting-IP`, @hono/node-server's socket; else `unknown`, and then every caller shares one budget.
   */
  readonly address?: AddressOption<Request>;
}

/** The caller's address: the option's, else the runtime's (`platform` is the fetch handler's second argument). */
function addressOf(request: Request, platform: unknown, options: FetchAdapterOptions): string {
  return resolveAddress(options.address, request, () => platformAddress(request, platform));
}

function toAuthRequest(request: Request, url: URL, address: string): AuthRequest {
  const headers = headersFromFetch(request.headers);
  return {
    method: request.method,
    path: url.pathname,
    headers,
    query: queryFromSearch(url.searchParams),
    address,
    requestId: createRequestId(),
  };
}

/**
 * The fetch adapter: a handler for payauth's routes (token endpoints, metadata, JWKS), for any runtime or framework
 * that speaks fetch (`Bun.serve`, `Deno.serve`, a Worker's `fetch`, route handlers, @hono/node-server…). Resolves to
 * `undefined` when the path is not one of payauth's, so that your own handler can go on. Pass the runtime's second
 * argument (Bun's server, Deno's info) along as `platform`: the caller's address comes from it.
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
): (request: Request, platform?: unknown) => Promise<Response | undefined> {
  return async function handlePayauth(request, platform) {
    const url = new URL(request.url);
    const match = matchRoute(payauth.routes, request.method, url.pathname);
    if (!match) return undefined;
    const base = {
      ...toAuthRequest(request, url, addressOf(request, platform, options)),
      params: match.params,
    };
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
 * else. `platform` is the fetch handler's second argument, as for {@link payauthHandler}.
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
  platform?: unknown,
): Promise<{ ok: true; principal: Principal } | { ok: false; response: Response }> {
  const checked = payauth.guard(mechanism)(
    new GuardRequest(
      request.method,
      headersFromFetch(request.headers),
      targetOf(request.url),
      addressOf(request, platform, options),
    ),
  );
  const result = checked instanceof Promise ? await checked : checked;
  return result.ok ? result : { ok: false, response: toFetchResponse(result.response) };
}
