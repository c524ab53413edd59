/**
 * @payauth/client — strategies for hmac, app-token, private-key-jwt and api-key, one token manager, provider
 * presets, key loading (PKCS#12, PEM, JWK) and one typed error for every provider's error shape.
 *
 * @packageDocumentation
 */

export * from './auth/api-key.ts';
export * from './auth/app-token.ts';
export * from './auth/hmac.ts';
export * from './auth/private-key-jwt.ts';
export * from './auth/types.ts';
export * from './client.ts';
export * from './clock.ts';
export * from './errors.ts';
export * from './keys/index.ts';
export * from './presets.ts';
export * from './token/manager.ts';
export * from './token/redis-store.ts';
export * from './token/store.ts';
