import type { Mechanism } from '@payauth/core';
import type { AuthContext } from '../context.ts';
import { answerAmbiguousHost, withClock } from '../http/dispatch.ts';
import { renderFailure } from '../http/failure.ts';
import type { AuthRequest, GuardResult } from '../http/types.ts';
import { GUARD_SURFACE, type Guard } from './authenticate.ts';

/** A guard that never throws: what `payauth.guard(mechanism)` hands an adapter. */
export type Check = (request: AuthRequest) => GuardResult | Promise<GuardResult>;

/**
 * Wraps a guard into a check that never throws: two `Host` headers are refused first, an error the guard did not
 * handle (an unreachable store) answers 503/500 in the mechanism's shape, and
 * with an injected clock every refusal carries the server's `Date`. Synchronous when the guard answered at once.
 *
 * @example
 * ```ts
 * const check = createCheck(context, 'hmac', guards.hmac); const result = await check(request)
 * ```
 */
export function createCheck(context: AuthContext, mechanism: Mechanism, guard: Guard): Check {
  const surface = GUARD_SURFACE[mechanism];
  const fail = (request: AuthRequest, error: unknown): GuardResult => {
    const failure = renderFailure(error, surface, request.requestId);
    context.log(failure.log);
    return { ok: false, response: withClock(context, failure.response) };
  };
  const settle = (result: GuardResult): GuardResult =>
    result.ok ? result : { ok: false, response: withClock(context, result.response) };
  return function check(request) {
    const ambiguous = answerAmbiguousHost(context, request, surface);
    if (ambiguous !== undefined) return { ok: false, response: withClock(context, ambiguous) };
    let result: GuardResult | Promise<GuardResult>;
    try {
      result = guard(request);
    } catch (error) {
      return fail(request, error);
    }
    return result instanceof Promise
      ? result.then(settle, (error: unknown) => fail(request, error))
      : settle(result);
  };
}
