/**
 * @payauth/server — the four providers' token endpoints and request guards as framework-neutral handlers, a Fastify
 * adapter, the credential store (memory, SQLite) and the shared state (memory).
 *
 * @packageDocumentation
 */

export * from './audit/recorder.ts';
export * from './context.ts';
export * from './credentials/resolver.ts';
export * from './credentials/service.ts';
export * from './dashboard/routes.ts';
export * from './endpoints/api-key.ts';
export * from './endpoints/app-token.ts';
export * from './endpoints/private-key-jwt.ts';
export * from './guards/bearer.ts';
export * from './guards/failure-budget.ts';
export * from './guards/hmac.ts';
export * from './http/fastify.ts';
export * from './logging.ts';
export * from './resources.ts';
export * from './secrets/envelope.ts';
export * from './server.ts';
export * from './state/memory.ts';
export * from './state/redis.ts';
export * from './state/types.ts';
export * from './store/errors.ts';
export * from './store/memory.ts';
export * from './store/postgres.ts';
export * from './store/sqlite.ts';
export * from './store/types.ts';
export * from './tokens/issuer.ts';
