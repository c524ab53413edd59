import { renderRejection, type Surface } from '@payauth/core';
import { isConnectionFailure } from '../store/errors.ts';
import { jsonResponse } from './response.ts';
import type { BodyProblem, NeutralResponse } from './types.ts';
import { BODY_LIMIT } from './types.ts';

/**
 * The answer to a body that could not be read: each surface's documented "invalid input" answer (WakaPay's
 * `invalid payload`, Fondy's 403 naming the problem, RFC 6749 `invalid_request`), a plain 413/400 elsewhere.
 */
export function renderBodyProblem(
  surface: Surface | undefined,
  problem: BodyProblem,
  requestId: string,
): NeutralResponse {
  const message =
    problem === 'too-large' ? `request body larger than ${BODY_LIMIT} bytes` : 'unreadable request body';
  switch (surface) {
    case 'api-key':
      return renderRejection('api-key', 'ERR_API_KEY_PAYLOAD_INVALID');
    case 'app-token':
      return renderRejection('app-token', 'ERR_APP_TOKEN_PARAMETER_INVALID', {
        requestId,
        publicMessage: `Invalid request parameters: ${message}`,
      });
    case 'private-key-jwt':
      return renderRejection('private-key-jwt', 'ERR_OAUTH_INVALID_REQUEST', { publicMessage: message });
    default:
      return jsonResponse(problem === 'too-large' ? 413 : 400, { error: 'invalid_request', message });
  }
}

/**
 * The answer to an error a route did not turn into a response itself: 503 with `Retry-After` in the route's
 * documented shape when the store or shared state is unreachable, else a 500 that says nothing but the request id.
 * Returns what to log too (never the error's message, which may quote input).
 */
export function renderFailure(
  error: unknown,
  surface: Surface | undefined,
  requestId: string,
): { response: NeutralResponse; log: Record<string, unknown> } {
  const code = String((error as { code?: unknown })?.code ?? '');
  if (isConnectionFailure(error)) {
    return {
      response: renderRejection(surface ?? 'api-key', 'ERR_SERVICE_UNAVAILABLE', {
        requestId,
        retryAfterSeconds: 1,
      }),
      log: { event: 'request.unavailable', code, requestId },
    };
  }
  return {
    response: jsonResponse(500, { error: 'internal_error', request_id: requestId }),
    log: { event: 'request.failed', name: (error as Error)?.name, code, requestId },
  };
}

/** The 404 of every adapter for a path that is not payauth's (only `payauth serve` answers it). */
export function renderNotFound(method: string, path: string): NeutralResponse {
  return jsonResponse(404, { error: 'not_found', message: `no route ${method} ${path.slice(0, 200)}` });
}
