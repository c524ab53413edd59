/**
 * @payauth/core — the four mechanisms (`hmac`, `app-token`, `private-key-jwt`, `api-key`) as pure functions:
 * sign, verify, parse and diagnose. No HTTP, no storage.
 *
 * @packageDocumentation
 */

export * from './api-key/api-key.ts';
export * from './app-token/app-token.ts';
export * from './constant-time.ts';
export * from './diagnose/advice.ts';
export * from './diagnose/bodies.ts';
export * from './diagnose/diagnose.ts';
export * from './diagnose/messages.ts';
export * from './encoding/base64url.ts';
export * from './encoding/digest.ts';
export * from './encoding/pem.ts';
export * from './errors/codes.ts';
export * from './errors/errors.ts';
export * from './errors/responses.ts';
export * from './hmac/hmac.ts';
export * from './ids.ts';
export * from './mechanisms.ts';
export * from './private-key-jwt/assertion.ts';
export * from './private-key-jwt/thumbprints.ts';
export * from './redact.ts';
export * from './scenarios.ts';
export * from './tokens/access-token.ts';
