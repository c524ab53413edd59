// The limit kernels (limits.ts) mounted as minimal routes in each framework: read the header or body, run the
// kernel, answer. Paths: /limit/hmac, /limit/bearer, /limit/bearer-apikey (GET); /limit/business-auth,
// /limit/fondy, /limit/connect-token (POST).
import type { FastifyInstance } from 'fastify';
import type { Limits } from './limits.ts';

const BODY = '{"ok":true}';
const REFUSED = '{"error":"refused"}';
const JSON_TYPE = 'application/json; charset=utf-8';

type Header = string | string[] | undefined;
const one = (value: Header) => (Array.isArray(value) ? value[0] : value);

/** The GET limits, keyed by path: each takes a header getter and says whether the request passes. */
export function guardLimits(
  limits: Limits,
): Record<string, (header: (name: string) => string | undefined) => boolean> {
  return {
    '/limit/hmac': (header) => limits.hmac(header('authorization')),
    '/limit/bearer': (header) => limits.bearer(header('authorization')),
    '/limit/bearer-apikey': (header) => limits.bearerApikey(header('authorization'), header('apikey')),
  };
}

/** The POST limits, keyed by path: each takes the raw body and returns the answer body, or undefined. */
export function endpointLimits(limits: Limits): Record<string, (body: string) => string | undefined> {
  return {
    '/limit/business-auth': limits.businessAuth,
    '/limit/fondy': limits.fondy,
    '/limit/connect-token': limits.connectToken,
  };
}

/**
 * Mounts the limits on a Fastify app, in their own scope with a raw-string body parser (as payauth's plugin reads
 * bodies), so that the kernels get the body as sent.
 */
export function mountFastifyLimits(app: FastifyInstance, limits: Limits): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    for (const [path, passes] of Object.entries(guardLimits(limits))) {
      scope.get(path, async (request, reply) =>
        passes((name) => one(request.headers[name]))
          ? reply.code(200).headers({ 'content-type': JSON_TYPE }).send(BODY)
          : reply.code(401).headers({ 'content-type': JSON_TYPE }).send(REFUSED),
      );
    }
    for (const [path, kernel] of Object.entries(endpointLimits(limits))) {
      scope.post(path, async (request, reply) => {
        const answer = kernel(request.body as string);
        return answer === undefined
          ? reply.code(401).headers({ 'content-type': JSON_TYPE }).send(REFUSED)
          : reply.code(200).headers({ 'content-type': JSON_TYPE, 'cache-control': 'no-store' }).send(answer);
      });
    }
  });
}

export { BODY, JSON_TYPE, REFUSED };
