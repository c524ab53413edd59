import type { Mechanism } from './errors/codes.ts';
import type { Surface } from './errors/responses.ts';

/** The provider preset each mechanism comes from, named after its document. */
export type Preset = 'api-money' | 'fondy' | 'emoney' | 'wakapay';

/**
 * What one mechanism is, on the wire: the one place that knows it (docs/architecture.md, "The mechanism table").
 * The client, the server's routes, guards, metrics, OpenAPI document, admin diagnosis, the dashboard and the CLI read
 * these facts from here and restate none of them.
 */
export interface MechanismFacts {
  /** `hmac`, `app-token`, `private-key-jwt` or `api-key`. */
  readonly mechanism: Mechanism;
  /** The client preset (`createClient(presets[preset](…))`) and the CLI's `--preset` value. */
  readonly preset: Preset;
  /** The provider's name, as its document writes it. */
  readonly provider: string;
  /** The file-name prefix of its document(s) in the specification folder. */
  readonly documents: readonly string[];
  /** The token endpoint's path (`POST`), or `undefined` for `hmac`, which signs every call instead. */
  readonly tokenPath: string | undefined;
  /** The error shape of its token endpoint (`undefined` for `hmac`). */
  readonly tokenSurface: Surface | undefined;
  /** The error shape of its protected resources, as the guard answers a refusal. */
  readonly guardSurface: Surface;
  /** The sandbox's protected resources (`GET`) for this mechanism, as its document shows them. */
  readonly resourcePaths: readonly string[];
  /** How a client presents its credential on each call. */
  readonly presents: 'hmac-header' | 'bearer' | 'bearer-and-apikey';
}

/**
 * The four mechanisms, in the documents' order: paths, provider, error shapes, token or not.
 *
 * @example
 * ```ts
 * import { mechanismTable } from '@payauth/core'
 * mechanismTable['api-key'].tokenPath // '/business/auth'
 * ```
 */
export const mechanismTable: Readonly<Record<Mechanism, MechanismFacts>> = Object.freeze({
  hmac: Object.freeze({
    mechanism: 'hmac',
    preset: 'api-money',
    provider: 'API-money',
    documents: Object.freeze(['000', '001']),
    tokenPath: undefined,
    tokenSurface: undefined,
    guardSurface: 'hmac',
    // `/accounts` is document 001's path for the same resource.
    resourcePaths: Object.freeze(['/api/accounts', '/accounts']),
    presents: 'hmac-header',
  }),
  'app-token': Object.freeze({
    mechanism: 'app-token',
    preset: 'fondy',
    provider: 'Fondy',
    documents: Object.freeze(['002']),
    tokenPath: '/authorizer/token/application/get',
    tokenSurface: 'app-token',
    // Fondy documents one error shape (403 `error_code`/`error_message`/`request_id`); its resources answer in it.
    guardSurface: 'app-token',
    resourcePaths: Object.freeze([]),
    presents: 'bearer',
  }),
  'private-key-jwt': Object.freeze({
    mechanism: 'private-key-jwt',
    preset: 'emoney',
    provider: 'eMoney',
    documents: Object.freeze(['003']),
    tokenPath: '/connect/token',
    tokenSurface: 'private-key-jwt',
    guardSurface: 'bearer',
    resourcePaths: Object.freeze(['/public/v1/users']),
    presents: 'bearer-and-apikey',
  }),
  'api-key': Object.freeze({
    mechanism: 'api-key',
    preset: 'wakapay',
    provider: 'WakaPay',
    documents: Object.freeze(['004']),
    tokenPath: '/business/auth',
    tokenSurface: 'api-key',
    guardSurface: 'api-key',
    resourcePaths: Object.freeze(['/business/balance']),
    presents: 'bearer',
  }),
} satisfies Record<Mechanism, MechanismFacts>);

/** The mechanism whose preset is `preset`. */
export function mechanismOfPreset(preset: Preset): Mechanism {
  for (const facts of Object.values(mechanismTable)) if (facts.preset === preset) return facts.mechanism;
  throw new TypeError(`unknown preset: ${String(preset)}`);
}

/** The mechanism a documented path belongs to (its token endpoint or one of its resources), if any. */
export function mechanismOfPath(path: string): Mechanism | undefined {
  for (const facts of Object.values(mechanismTable)) {
    if (facts.tokenPath === path || facts.resourcePaths.includes(path)) return facts.mechanism;
  }
  return undefined;
}

/**
 * The `aud` values a `private-key-jwt` client assertion may carry for an issuer (docs/providers/private-key-jwt.md): the token endpoint URL,
 * the issuer URL, and the issuer URL with a trailing slash (openid-client sends the issuer as discovered).
 *
 * @example
 * ```ts
 * assertionAudiences('https://api.example.com')
 * // ['https://api.example.com/connect/token', 'https://api.example.com', 'https://api.example.com/']
 * ```
 */
export function assertionAudiences(issuer: string): string[] {
  return [`${issuer}${mechanismTable['private-key-jwt'].tokenPath}`, issuer, `${issuer}/`];
}
