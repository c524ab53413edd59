import type { AssertionAlgorithm } from '@payauth/core';

/** Settings of the guards and endpoints. Every field has a documented default (docs/server.md). */
export interface AuthConfig {
  /** The public base URL (behind a proxy, the URL clients use). `aud` and `iss` derive from it. */
  readonly issuer: string;
  /** Sandbox: add a `Payauth-Hint` header naming the cause to every rejection. */
  readonly hints: boolean;
  readonly hmac: { readonly maxAgeMs: number; readonly maxFutureMs: number; readonly singleUse: boolean };
  readonly appToken: {
    readonly strict: boolean;
    readonly dateWindowMs: number;
    readonly lifetimeSeconds: number;
  };
  readonly privateKeyJwt: {
    readonly algorithms: readonly AssertionAlgorithm[];
    readonly lifetimeSeconds: number;
    readonly clockToleranceSeconds: number;
    readonly maxAssertionLifetimeSeconds: number;
    readonly scopes: readonly string[];
  };
  readonly apiKey: { readonly lifetimeSeconds: number };
}

/** Overrides of {@link AuthConfig}: any field at any depth; what is not given keeps its default. */
export type AuthConfigOverrides = {
  readonly [K in keyof Omit<AuthConfig, 'issuer'>]?: AuthConfig[K] extends
    | readonly unknown[]
    | boolean
    | string
    ? AuthConfig[K]
    : { readonly [F in keyof AuthConfig[K]]?: AuthConfig[K][F] };
};

/**
 * The configuration: the documented defaults (docs/server.md), with `overrides` merged field by field (so flipping one flag does not
 * restate its siblings).
 *
 * @example
 * ```ts
 * const config = resolveConfig('https://api.example.com', { hmac: { singleUse: true } })
 * config.hmac.maxAgeMs // 300000
 * ```
 */
export function resolveConfig(issuer: string, overrides: AuthConfigOverrides = {}): AuthConfig {
  return {
    issuer: issuer.replace(/\/+$/, ''),
    hints: overrides.hints ?? false,
    hmac: { maxAgeMs: 300_000, maxFutureMs: 300_000, singleUse: false, ...overrides.hmac },
    appToken: { strict: false, dateWindowMs: 300_000, lifetimeSeconds: 3602, ...overrides.appToken },
    privateKeyJwt: {
      algorithms: ['RS256'],
      lifetimeSeconds: 3600,
      clockToleranceSeconds: 15,
      maxAssertionLifetimeSeconds: 86_400,
      scopes: ['API'],
      ...overrides.privateKeyJwt,
    },
    apiKey: { lifetimeSeconds: 3600, ...overrides.apiKey },
  };
}
