import type { Mechanism } from '@payauth/core';
import { type NextFunction, type Request, type RequestHandler, type Response, Router } from 'express';
import { assertMechanism } from '../guards/authenticate.ts';
import { runRoute } from '../http/dispatch.ts';
import { GuardRequest } from '../http/guard-request.ts';
import { headersFromRaw } from '../http/headers.ts';
import { splitTarget } from '../http/query.ts';
import { createRequestId } from '../http/request-id.ts';
import type { AuthRequest, GuardResult, Principal, Route } from '../http/types.ts';
import { contextOf, type Payauth } from '../payauth.ts';
import { readNodeBody, writeNodeResponse } from './node.ts';

declare global {
  namespace Express {
    interface Request {
      /** Who the request authenticated as, set by payauth's `requireAuth`. */
      payauth?: Principal;
    }
  }
}

/**
 * The client's address by the app's `trust proxy` setting: `req.ip` when proxies are trusted; the socket's address
 * when they are not (Express's default), as `req.ip` would answer, without its X-Forwarded-For parsing (which makes
 * Node build its whole header object; not measured apart, see the Express rows of bench/README.md, round 4).
 */
function addressOf(request: Request): string {
  const address = request.app.get('trust proxy') === false ? request.socket.remoteAddress : request.ip;
  return address ?? request.socket.remoteAddress ?? 'unknown';
}

function toAuthRequest(request: Request): AuthRequest {
  return {
    method: request.method,
    ...splitTarget(request.originalUrl),
    headers: headersFromRaw(request.rawHeaders),
    params: request.params as Record<string, string>,
    address: addressOf(request),
    requestId: createRequestId(),
  };
}

/**
 * An Express router serving payauth's routes: the three token endpoints, the OAuth metadata and the JWKS (and
 * whatever was added with `payauth.addRoutes`). Bodies are read raw: mount it before `express.json()` and
 * `express.urlencoded()`, since a parser that runs first answers malformed input itself (an HTML 400) instead of the
 * documents' answers. A body a parser did read is re-encoded and used.
 *
 * @example
 * ```ts
 * const app = express()
 * app.use(payauthRouter(payauth))
 * app.get('/api/accounts', requireAuth(payauth, 'hmac'), (req, res) => res.json({ partner: req.payauth?.partnerId }))
 * ```
 */
export function payauthRouter(payauth: Payauth): Router {
  const router = Router();
  for (const route of payauth.routes) {
    const handle = async (request: Request, response: Response) => {
      // The request is described before its body is read: a body cut short can take the socket (and `req.ip`) away.
      const described = toAuthRequest(request);
      const read: object = route.readsBody ? await readNodeBody(request) : {};
      await writeNodeResponse(response, await runRoute(contextOf(payauth), route, { ...described, ...read }));
    };
    register(router, route, handle);
  }
  return router;
}

function register(
  router: Router,
  route: Route,
  handle: (request: Request, response: Response) => Promise<void>,
) {
  const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
  router[method](route.path, handle);
}

/**
 * Express middleware that lets a request through only when it authenticates with `mechanism`; it reads headers only
 * and sets `req.payauth` to the principal. A refused request gets that mechanism's documented body and status.
 *
 * @example
 * ```ts
 * app.get('/business/balance', requireAuth(payauth, 'api-key'), (req, res) => res.json({ partner: req.payauth?.partnerId }))
 * ```
 */
export function requireAuth(payauth: Payauth, mechanism: Mechanism): RequestHandler {
  assertMechanism(mechanism);
  const check = payauth.guard(mechanism);
  const conclude = (request: Request, response: Response, next: NextFunction, result: GuardResult) => {
    if (!result.ok) return writeNodeResponse(response, result.response);
    request.payauth = result.principal;
    next();
  };
  return function payauthGuard(request: Request, response: Response, next: NextFunction) {
    const result = check(
      new GuardRequest(
        request.method,
        headersFromRaw(request.rawHeaders),
        request.originalUrl,
        addressOf(request),
      ),
    );
    if (result instanceof Promise)
      return result.then((settled) => conclude(request, response, next, settled), next);
    return conclude(request, response, next, result);
  };
}
