import { describeAs } from '../errors.ts';
import { APP_TOKEN_LIMITS, assertNumber, assertString, buildAppTokenRequest, hash } from './deps.ts';
import { bindTokenStrategy, requestToken, tokenCacheKey } from './token-strategy.ts';
import type { AuthStrategy, StrategyContext } from './types.ts';

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

/** The token path of Fondy's document. */
export const APP_TOKEN_PATH = '/authorizer/token/application/get';

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
  if (options.renewMarginMs !== undefined) assertNumber(options.renewMarginMs, 'renewMarginMs', 0, 3_600_000);
  const { applicationId, secretKey } = options;
  const shown = () => ({ mechanism: 'app-token', applicationId });
  return describeAs(
    {
      mechanism: 'app-token',
      bind(context: StrategyContext) {
        const url = options.tokenEndpoint ?? `${context.baseUrl}${APP_TOKEN_PATH}`;
        return bindTokenStrategy(context, {
          mechanism: 'app-token',
          key: tokenCacheKey(['app-token', url, applicationId, hash('sha256', secretKey, 'hex')]),
          headers: (token) => ({ authorization: `Bearer ${token}` }),
          ...(options.renewMarginMs === undefined ? {} : { renewMarginMs: options.renewMarginMs }),
          ...(options.backgroundRefresh === undefined
            ? {}
            : { backgroundRefresh: options.backgroundRefresh }),
          shown,
          fetchToken: (signal) =>
            requestToken(
              context,
              'app-token',
              () => {
                const date =
                  options.date?.() ??
                  new Date(context.clock.now()).toISOString().slice(0, 19).replace('T', ' ');
                return {
                  url,
                  init: {
                    method: 'POST',
                    headers: { 'content-type': 'application/json', accept: 'application/json' },
                    body: JSON.stringify(buildAppTokenRequest({ applicationId, secretKey, date })),
                  },
                };
              },
              (json) => {
                const body = json as { token?: unknown; expires_in?: unknown } | undefined;
                return typeof body?.token === 'string' && typeof body.expires_in === 'number'
                  ? { token: body.token, expiresIn: body.expires_in }
                  : undefined;
              },
              signal,
              true,
            ),
        });
      },
    },
    shown,
  );
}
