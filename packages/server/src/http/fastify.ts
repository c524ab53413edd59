import { randomFillSync } from 'node:crypto';
import type { PublicResponse, Surface } from '@payauth/core';
import { renderRejection } from '@payauth/core';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { AuthContext, AuthRequest, GuardResult } from '../context.ts';
import { createApiKeyEndpoint } from '../endpoints/api-key.ts';
import { createAppTokenEndpoint } from '../endpoints/app-token.ts';
import { createPrivateKeyJwtEndpoint, TOKEN_PATH } from '../endpoints/private-key-jwt.ts';
import { createBearerGuard } from '../guards/bearer.ts';
import { createHmacGuard } from '../guards/hmac.ts';
import { createResources } from '../resources.ts';
import { StoreUnavailableError } from '../store/errors.ts';

/** Largest request body read (the token endpoints' bodies are < 10 KiB). */
export const BODY_LIMIT = 64 * 1024;

const REQUEST_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Random bytes are drawn 4 KiB at a time: one call to the CSPRNG per 256 request ids, not 16 per id.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** A 16-character request id, the shape of Fondy's `request_id` (62 symbols; the modulo bias is irrelevant here). */
export function createRequestId(): string {
  if (poolOffset + 16 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let id = '';
  for (let i = 0; i < 16; i++) id += REQUEST_ID_ALPHABET[pool[poolOffset + i]! % 62];
  poolOffset += 16;
  return id;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    surface?: Surface;
  }
}

function toAuthRequest(request: FastifyRequest): AuthRequest {
  return {
    method: request.method,
    headers: request.headers,
    address: request.ip,
    requestId: request.id,
    ...(typeof request.body === 'string' ? { body: request.body } : {}),
    query: request.query as Record<string, string>,
  };
}

function send(reply: FastifyReply, response: PublicResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body);
}

/** Is this error the store or shared state being unreachable? Then the answer is 503, not 500. */
function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const code = (error as { code?: unknown })?.code;
  return (
    (typeof code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|57P01|57P03|08\d{3})$/.test(code)) ||
    /Connection is closed|connect ECONNREFUSED|Stream isn't writeable/.test(String((error as Error)?.message))
  );
}

/**
 * Builds the Fastify application: the four providers' endpoints and resources on framework-neutral handlers.
 * Bodies are read raw (the documents fix their own error answers for malformed JSON and wrong content types, so
 * Fastify's parsers must not answer first), bounded by {@link BODY_LIMIT}.
 *
 * @example
 * ```ts
 * const app = createFastifyApp(context, logger); await app.listen({ port: 8080, host: '127.0.0.1' })
 * ```
 */
export function createFastifyApp(
  context: AuthContext,
  logger: Logger | false,
  options: { trustProxy?: boolean | number | string } = {},
): FastifyInstance {
  const common = {
    bodyLimit: BODY_LIMIT,
    genReqId: createRequestId,
    requestIdHeader: false,
    // Per-request lines are off: rejections are logged by the handlers with their reason code and request id.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Behind a load balancer, the client address (failure budgets, audit trail) comes from X-Forwarded-For.
    trustProxy: (options.trustProxy ?? false) as boolean,
  } as const;
  const app: FastifyInstance =
    logger === false
      ? Fastify({ ...common, logger: false })
      : (Fastify({ ...common, loggerInstance: logger }) as unknown as FastifyInstance);

  if (context.now !== Date.now) {
    // An injected clock (tests, simulations): the Date header tells clients the server's time, as they rely on it.
    app.addHook('onSend', async (_request, reply) => {
      reply.header('date', new Date(context.now()).toUTCString());
    });
  }

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    done(null, body);
  });

  const hmacGuard = createHmacGuard(context);
  const appTokenBearer = createBearerGuard(context, { surface: 'hmac', mechanisms: ['app-token'] });
  const emoneyBearer = createBearerGuard(context, {
    surface: 'bearer',
    mechanisms: ['private-key-jwt'],
    requireApikey: true,
  });
  const wakapayBearer = createBearerGuard(context, { surface: 'api-key', mechanisms: ['api-key'] });
  const resources = createResources(context);
  const appTokenEndpoint = createAppTokenEndpoint(context);
  const privateKeyJwtEndpoint = createPrivateKeyJwtEndpoint(context);
  const apiKeyEndpoint = createApiKeyEndpoint(context);

  const accounts = async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = toAuthRequest(request);
    const authorization = request.headers.authorization;
    // API-money resources take the hmac header; a Bearer token issued by app-token is accepted too (SPEC.md §2).
    const result: GuardResult =
      typeof authorization === 'string' && /^Bearer /i.test(authorization)
        ? await appTokenBearer(auth)
        : await hmacGuard(auth);
    return send(reply, result.ok ? await resources.accounts(result.principal) : result.response);
  };
  app.get('/api/accounts', { config: { surface: 'hmac' } }, accounts);
  app.get('/accounts', { config: { surface: 'hmac' } }, accounts);

  app.post(
    '/authorizer/token/application/get',
    { config: { surface: 'app-token' } },
    async (request, reply) => send(reply, await appTokenEndpoint(toAuthRequest(request))),
  );
  app.post(TOKEN_PATH, { config: { surface: 'private-key-jwt' } }, async (request, reply) =>
    send(reply, await privateKeyJwtEndpoint(toAuthRequest(request))),
  );
  app.get('/public/v1/users', { config: { surface: 'bearer' } }, async (request, reply) => {
    const result = await emoneyBearer(toAuthRequest(request));
    return send(reply, result.ok ? await resources.users(result.principal) : result.response);
  });
  app.post('/business/auth', { config: { surface: 'api-key' } }, async (request, reply) =>
    send(reply, await apiKeyEndpoint(toAuthRequest(request))),
  );
  app.get('/business/balance', { config: { surface: 'api-key' } }, async (request, reply) => {
    const auth = toAuthRequest(request);
    const result = await wakapayBearer(auth);
    return send(reply, result.ok ? await resources.balance(result.principal, auth) : result.response);
  });

  app.get('/health', async (_request, reply) => {
    const down = context.resolver.lastPollError !== undefined;
    return reply.code(down ? 503 : 200).send({ status: down ? 'degraded' : 'ok' });
  });
  app.get('/.well-known/jwks.json', async (_request, reply) =>
    reply.header('cache-control', 'max-age=300').send(context.issuer.jwks()),
  );
  const metadata = () => ({
    issuer: context.config.issuer,
    token_endpoint: `${context.config.issuer}${TOKEN_PATH}`,
    jwks_uri: `${context.config.issuer}/.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...context.config.privateKeyJwt.algorithms],
    scopes_supported: [...context.config.privateKeyJwt.scopes],
    response_types_supported: [],
  });
  app.get('/.well-known/oauth-authorization-server', async () => metadata());
  app.get('/.well-known/openid-configuration', async () => metadata());

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  app.setErrorHandler((error, request, reply) => {
    const surface = request.routeOptions?.config?.surface;
    const fastifyCode = (error as { code?: string }).code ?? '';
    if (isUnavailable(error)) {
      request.log.warn(
        { requestId: request.id, err: { code: fastifyCode, message: 'store or shared state unreachable' } },
        'unavailable',
      );
      return send(
        reply,
        renderRejection(surface ?? 'api-key', 'ERR_SERVICE_UNAVAILABLE', {
          requestId: request.id,
          retryAfterSeconds: 1,
        }),
      );
    }
    if (
      fastifyCode.startsWith('FST_ERR_CTP_') ||
      (error as { statusCode?: number }).statusCode === 413 ||
      (error as { statusCode?: number }).statusCode === 400
    ) {
      // Bounded input: an oversized or unreadable body gets the route's documented "invalid input" answer.
      const tooLarge = fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE';
      const message = tooLarge ? `request body larger than ${BODY_LIMIT} bytes` : 'unreadable request body';
      context.log({ event: 'request.invalid', code: fastifyCode, requestId: request.id });
      if (surface === 'api-key')
        return send(reply, renderRejection('api-key', 'ERR_API_KEY_PAYLOAD_INVALID'));
      if (surface === 'app-token') {
        return send(
          reply,
          renderRejection('app-token', 'ERR_APP_TOKEN_PARAMETER_INVALID', {
            requestId: request.id,
            publicMessage: `Invalid request parameters: ${message}`,
          }),
        );
      }
      if (surface === 'private-key-jwt') {
        return send(
          reply,
          renderRejection('private-key-jwt', 'ERR_OAUTH_INVALID_REQUEST', { publicMessage: message }),
        );
      }
      return reply.code(tooLarge ? 413 : 400).send({ error: 'invalid_request', message });
    }
    request.log.error(
      { requestId: request.id, err: { name: (error as Error).name, code: fastifyCode } },
      'unexpected error',
    );
    return reply.code(500).send({ error: 'internal_error', request_id: request.id });
  });

  return app;
}
