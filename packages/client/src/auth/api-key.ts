import { API_KEY_FIELD_MAX_LENGTH } from '@payauth/core';
import { describeAs } from '../errors.ts';
import { assertNumber, assertString, hash, parseApiKeyResponse } from './deps.ts';
import { bindTokenStrategy, requestToken, tokenCacheKey } from './token-strategy.ts';
import type { AuthStrategy, StrategyContext } from './types.ts';

/** Options of {@link apiKey}. */
export interface ApiKeyOptions {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Default: `<baseUrl>/business/auth`. */
  readonly tokenEndpoint?: string;
  /** Renew this long before expiry (default 60 s, as the document asks). */
  readonly renewMarginMs?: number;
  readonly backgroundRefresh?: boolean;
}

/** The token path of WakaPay's document. */
export const API_KEY_PATH = '/business/auth';

/**
 * WakaPay's `api-key` strategy: `{apiKey, apiSecret}` exchanged for a JWT, cached, renewed 60 s before expiry, dropped
 * and fetched again once on a 401 — the document's TokenManager, with single-flight and the straggler rule.
 *
 * @example
 * ```ts
 * createClient({ baseUrl: 'https://api.test.wakapay.io', auth: apiKey({ apiKey: process.env.WAKAPAY_KEY!, apiSecret: process.env.WAKAPAY_SECRET! }) })
 * ```
 */
export function apiKey(options: ApiKeyOptions): AuthStrategy {
  assertString(options?.apiKey, 'apiKey', API_KEY_FIELD_MAX_LENGTH);
  assertString(options.apiSecret, 'apiSecret', API_KEY_FIELD_MAX_LENGTH);
  if (options.renewMarginMs !== undefined) assertNumber(options.renewMarginMs, 'renewMarginMs', 0, 3_600_000);
  const { apiKey: key, apiSecret } = options;
  const shown = () => ({ mechanism: 'api-key', apiKey: key });
  return describeAs(
    {
      mechanism: 'api-key',
      bind(context: StrategyContext) {
        const url = options.tokenEndpoint ?? `${context.baseUrl}${API_KEY_PATH}`;
        return bindTokenStrategy(context, {
          mechanism: 'api-key',
          key: tokenCacheKey(['api-key', url, key, hash('sha256', apiSecret, 'hex')]),
          headers: (token) => ({ authorization: `Bearer ${token}` }),
          ...(options.renewMarginMs === undefined ? {} : { renewMarginMs: options.renewMarginMs }),
          ...(options.backgroundRefresh === undefined
            ? {}
            : { backgroundRefresh: options.backgroundRefresh }),
          shown,
          fetchToken: (signal) =>
            requestToken(
              context,
              'api-key',
              () => ({
                url,
                init: {
                  method: 'POST',
                  headers: { 'content-type': 'application/json' },
                  body: JSON.stringify({ apiKey: key, apiSecret }),
                },
              }),
              (json) => {
                const parsed = parseApiKeyResponse(json);
                return parsed ? { token: parsed.accessToken, expiresIn: parsed.expiresIn } : undefined;
              },
              signal,
            ),
        });
      },
    },
    shown,
  );
}
