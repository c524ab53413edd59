import { renderRejection, type Surface } from '@payauth/core';
import type { AuthContext } from '../context.ts';
import { renderBodyProblem, renderFailure } from './failure.ts';
import { jsonResponse } from './response.ts';
import type { AuthRequest, NeutralResponse, Route } from './types.ts';

/** A route found for a request, with the values of its `:name` segments. */
export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

/**
 * Finds the route of a method and path in a table: exact segments, or `:name` segments that take any one
 * non-empty segment. `HEAD` finds the `GET` route, as Express, Hono and Fastify do (the caller sends no body).
 */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method;
  for (const route of routes) {
    if (route.method !== wanted) continue;
    if (route.path === path) return { route, params: {} };
    if (!route.path.includes(':')) continue;
    const expected = route.path.split('/');
    const actual = path.split('/');
    if (expected.length !== actual.length) continue;
    const params: Record<string, string> = {};
    let matches = true;
    for (let index = 0; index < expected.length && matches; index++) {
      const part = expected[index]!;
      const value = actual[index]!;
      if (part.startsWith(':')) {
        if (value === '') matches = false;
        else params[part.slice(1)] = safeDecode(value);
      } else if (part !== value) matches = false;
    }
    if (matches) return { route, params };
  }
  return undefined;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Refuses a request that names two hosts (two `Host` headers): which one a proxy, a virtual host and payauth each
 * believe is a guess (request smuggling, cache poisoning), so nobody guesses. 400 `ERR_REQUEST_AMBIGUOUS` in the
 * route's documented shape (Fondy's is always 403). Every adapter gets it from here.
 */
export function answerAmbiguousHost(
  context: AuthContext,
  request: AuthRequest,
  surface: Surface | undefined,
): NeutralResponse | undefined {
  if (!Array.isArray(request.headers.host)) return undefined;
  context.log({
    event: 'request.ambiguous',
    header: 'host',
    requestId: request.requestId,
    address: request.address,
  });
  if (surface === undefined)
    return jsonResponse(400, { error: 'invalid_request', message: 'ambiguous request' });
  return renderRejection(surface, 'ERR_REQUEST_AMBIGUOUS', { requestId: request.requestId });
}

/**
 * Runs a route on a request and always returns the answer to send: a body the adapter could not read gets the
 * route's documented "invalid input" answer, an error the route did not handle gets 503 (store or shared state
 * unreachable) or 500, and with an injected clock the `Date` header tells clients the server's time.
 */
export async function runRoute(
  context: AuthContext,
  route: Route,
  request: AuthRequest,
): Promise<NeutralResponse> {
  let response: NeutralResponse;
  const ambiguous = answerAmbiguousHost(context, request, route.surface);
  if (ambiguous !== undefined) {
    response = ambiguous;
  } else if (request.bodyProblem !== undefined) {
    context.log({ event: 'request.invalid', problem: request.bodyProblem, requestId: request.requestId });
    response = renderBodyProblem(route.surface, request.bodyProblem, request.requestId);
  } else {
    try {
      response = await route.handle(request);
    } catch (error) {
      const failure = renderFailure(error, route.surface, request.requestId);
      context.log(failure.log);
      response = failure.response;
    }
  }
  return withClock(context, response);
}

/**
 * With an injected clock (tests, simulations), the `Date` header carries the server's time, as clients rely on it.
 * A `Date` already set (the `clock-skew` scenario's) is kept.
 */
export function withClock(context: AuthContext, response: NeutralResponse): NeutralResponse {
  if (context.now === Date.now || response.headers.date !== undefined) return response;
  return { ...response, headers: { ...response.headers, date: new Date(context.now()).toUTCString() } };
}
