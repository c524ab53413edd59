import {
  APP_TOKEN_LIMITS,
  assertString,
  buildAppTokenRequest,
  computeDigest,
  mechanismTable,
} from '@payauth/core';
import { createTokenStrategy } from './token-strategy.ts';
import type { AuthStrategy } from './types.ts';

/** Options of {@link appToken}. */
export interface AppTokenOptions {
  readonly applicationId: string;
  readonly secretKey: string;
  /** The salt; default: the current server time as `YYYY-MM-DD HH:mm:ss` UTC (also accepted by strict mode). */
  readonly date?: () => string;
  /** Default: `<baseUrl>/authorizer/token/application/get`. */
  readonly tokenEndpoint?: string;
  /** Renew this long before expiry (default 60 s). */
  readonly renewMarginMs?: number;
  readonly backgroundRefresh?: boolean;
}

/** The token path of Fondy's document (core's mechanism table). */
export const APP_TOKEN_PATH: string = mechanismTable['app-token'].tokenPath!;

/**
 * Fondy's `app-token` strategy: a SHA-512-signed body for a token, cached and renewed, sent as `Bearer`.
 *
 * @example
 * ```ts
 * createClient({ baseUrl, auth: appToken({ applicationId: '1234', secretKey: process.env.FONDY_SECRET! }) })
 * ```
 */
export function appToken(options: AppTokenOptions): AuthStrategy {
  assertString(options?.applicationId, 'applicationId', APP_TOKEN_LIMITS.applicationId);
  assertString(options.secretKey, 'secretKey');
  if (options.date !== undefined && typeof options.date !== 'function') {
    throw new TypeError('"date" must be a function returning the salt');
  }
  const { applicationId, secretKey } = options;
  return createTokenStrategy({
    mechanism: 'app-token',
    path: APP_TOKEN_PATH,
    tokenEndpoint: options.tokenEndpoint,
    renewMarginMs: options.renewMarginMs,
    backgroundRefresh: options.backgroundRefresh,
    cacheParts: () => [applicationId, computeDigest('sha256', secretKey, 'hex')],
    headers: (token) => ({ authorization: `Bearer ${token}` }),
    request: (_url, context) => {
      const date =
        options.date?.() ?? new Date(context.clock.now()).toISOString().slice(0, 19).replace('T', ' ');
      return {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(buildAppTokenRequest({ applicationId, secretKey, date })),
      };
    },
    read: (json) => {
      const body = json as { token?: unknown; expires_in?: unknown } | undefined;
      return typeof body?.token === 'string' && typeof body.expires_in === 'number'
        ? { token: body.token, expiresIn: body.expires_in }
        : undefined;
    },
    retryOnClock: true,
    shown: () => ({ mechanism: 'app-token', applicationId }),
    secrets: [secretKey],
  });
}
