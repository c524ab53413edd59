import { InvalidOptionError } from '@payauth/core';
import { type ApiKeyOptions, apiKey } from './auth/api-key.ts';
import { type AppTokenOptions, appToken } from './auth/app-token.ts';
import { type HmacOptions, hmac } from './auth/hmac.ts';
import { type PrivateKeyJwtOptions, privateKeyJwt } from './auth/private-key-jwt.ts';
import type { ClientOptions } from './client.ts';

/** Which of a provider's environments. */
export type Environment = 'sandbox' | 'production';

/** Common preset options: the environment, or an explicit base URL (e.g. a local `payauth serve`). */
export interface PresetOptions {
  readonly environment?: Environment;
  readonly baseUrl?: string;
}

/**
 * The endpoints the documents give. Where a document names no URL for an environment, the preset needs `baseUrl`.
 * `tokenEndpoint` is set where the provider's token service has its own host (eMoney).
 */
export const PROVIDER_ENDPOINTS = {
  'api-money': { sandbox: 'https://test-emoney-services.w-ha.com', production: undefined },
  fondy: { sandbox: 'https://wallet.fondy.eu', production: 'https://wallet.fondy.eu' },
  emoney: {
    sandbox: 'https://api.emoneyadvisor.com',
    production: 'https://api.emoneyadvisor.com',
    tokenEndpoint: 'https://signin.emaplan.com/connect/token',
  },
  wakapay: { sandbox: 'https://api.test.wakapay.io', production: undefined },
} as const;

function resolveBase(provider: keyof typeof PROVIDER_ENDPOINTS, options: PresetOptions): string {
  const url = options.baseUrl ?? PROVIDER_ENDPOINTS[provider][options.environment ?? 'sandbox'];
  if (url === undefined) {
    throw new InvalidOptionError(
      'baseUrl',
      `given: the ${provider} document names no ${options.environment} URL`,
    );
  }
  return url;
}

/**
 * API-money (`hmac`).
 *
 * @example
 * ```ts
 * createClient(apiMoney({ accessKey, secretKey, baseUrl: 'http://127.0.0.1:8080' }))
 * ```
 */
export function apiMoney(options: HmacOptions & PresetOptions): ClientOptions {
  return { baseUrl: resolveBase('api-money', options), auth: hmac(options) };
}

/**
 * Fondy (`app-token`).
 *
 * @example
 * ```ts
 * createClient(fondy({ applicationId: '1234', secretKey }))
 * ```
 */
export function fondy(options: AppTokenOptions & PresetOptions): ClientOptions {
  return { baseUrl: resolveBase('fondy', options), auth: appToken(options) };
}

/**
 * eMoney (`private-key-jwt`). With a `baseUrl` (a local sandbox) the token endpoint is `<baseUrl>/connect/token`;
 * otherwise the document's `https://signin.emaplan.com/connect/token`.
 *
 * @example
 * ```ts
 * createClient(emoney({ clientId, apiKey, pfx: readFileSync('client.pfx'), password }))
 * ```
 */
export function emoney(options: PrivateKeyJwtOptions & PresetOptions): ClientOptions {
  const baseUrl = resolveBase('emoney', options);
  const tokenEndpoint =
    options.tokenEndpoint ??
    (options.baseUrl === undefined ? PROVIDER_ENDPOINTS.emoney.tokenEndpoint : undefined);
  return { baseUrl, auth: privateKeyJwt({ ...options, ...(tokenEndpoint ? { tokenEndpoint } : {}) }) };
}

/**
 * WakaPay (`api-key`).
 *
 * @example
 * ```ts
 * createClient(wakapay({ apiKey: 'your_api_key', apiSecret: 'your_api_secret' }))
 * ```
 */
export function wakapay(options: ApiKeyOptions & PresetOptions): ClientOptions {
  return { baseUrl: resolveBase('wakapay', options), auth: apiKey(options) };
}

/** The presets by name, as the CLI's `--auth` takes them. */
export const presets = { 'api-money': apiMoney, fondy, emoney, wakapay } as const;
