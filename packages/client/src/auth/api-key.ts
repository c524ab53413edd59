import {
  API_KEY_FIELD_MAX_LENGTH,
  assertString,
  computeDigest,
  mechanismTable,
  parseApiKeyResponse,
} from '@payauth/core';
import { createTokenStrategy } from './token-strategy.ts';
import type { AuthStrategy } from './types.ts';

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

/** The token path of WakaPay's document (core's mechanism table). */
export const API_KEY_PATH: string = mechanismTable['api-key'].tokenPath!;

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
  const { apiKey: key, apiSecret } = options;
  return createTokenStrategy({
    mechanism: 'api-key',
    path: API_KEY_PATH,
    tokenEndpoint: options.tokenEndpoint,
    renewMarginMs: options.renewMarginMs,
    backgroundRefresh: options.backgroundRefresh,
    cacheParts: () => [key, computeDigest('sha256', apiSecret, 'hex')],
    headers: (token) => ({ authorization: `Bearer ${token}` }),
    request: () => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: key, apiSecret }),
    }),
    read: (json) => {
      const parsed = parseApiKeyResponse(json);
      return parsed ? { token: parsed.accessToken, expiresIn: parsed.expiresIn } : undefined;
    },
    shown: () => ({ mechanism: 'api-key', apiKey: key }),
    secrets: [apiSecret],
  });
}
