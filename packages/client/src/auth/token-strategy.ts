import type { Mechanism } from '@payauth/core';
import { assertNumber, computeDigest, redactValues } from '@payauth/core';
import { describeAs, parseProviderError } from '../errors.ts';
import { type FetchedToken, TokenManager } from '../token/manager.ts';
import type { Authorization, AuthStrategy, BoundStrategy, StrategyContext } from './types.ts';

/** Hashes the inputs that change a token into a cache key; the secret part is hashed again, never kept. */
export function tokenCacheKey(parts: readonly string[]): string {
  return `payauth:token:${computeDigest('sha256', JSON.stringify(parts), 'base64url')}`;
}

/** Shared by the token strategies: the manager, the Authorization header and the 401 rule. */
export function bindTokenStrategy(
  context: StrategyContext,
  options: {
    mechanism: Mechanism;
    key: string;
    fetchToken: (signal: AbortSignal) => Promise<FetchedToken>;
    headers: (token: string) => Record<string, string>;
    renewMarginMs?: number;
    backgroundRefresh?: boolean;
    shown: () => Record<string, unknown>;
    secrets: readonly string[];
  },
): BoundStrategy {
  const manager = new TokenManager({
    mechanism: options.mechanism,
    key: options.key,
    clock: context.clock,
    fetchToken: options.fetchToken,
    ...(context.tokenStore ? { store: context.tokenStore } : {}),
    ...(options.renewMarginMs === undefined ? {} : { renewMarginMs: options.renewMarginMs }),
    ...(options.backgroundRefresh === undefined ? {} : { backgroundRefresh: options.backgroundRefresh }),
  });
  return describeAs(
    {
      mechanism: options.mechanism,
      get tokenRequests() {
        return manager.requests;
      },
      async authorize(signal?: AbortSignal): Promise<Authorization> {
        const token = await manager.getToken(signal);
        return { headers: options.headers(token), token };
      },
      redact(text: string): string {
        const current = manager.peek();
        return redactValues(text, current === undefined ? options.secrets : [...options.secrets, current]);
      },
      async onUnauthorized(authorization: Authorization) {
        // Drop the token only if it is still the cached one; either way, one retry with the current token.
        if (authorization.token !== undefined) await manager.invalidate(authorization.token);
        return true;
      },
      close() {
        manager.close();
      },
    },
    options.shown,
  );
}

/**
 * POSTs to a token endpoint and reads the answer; a refusal becomes a {@link PayauthResponseError}. When the refusal
 * came with a corrected server clock (`retryOnClock`), the request is rebuilt and sent once more.
 */
export async function requestToken(
  context: StrategyContext,
  mechanism: Mechanism,
  build: () => { url: string; init: RequestInit | Promise<RequestInit> },
  read: (json: unknown) => FetchedToken | undefined,
  signal: AbortSignal,
  retryOnClock = false,
  redact: (text: string) => string = (text) => text,
): Promise<FetchedToken> {
  for (let attempt = 0; ; attempt++) {
    const { url, init } = build();
    // Called detached from `context`: workerd's fetch throws "Illegal invocation" when its `this` is another object.
    const fetch = context.fetch;
    const response = await fetch(url, { ...(await init), signal });
    const clockChanged = context.clock.observe(response);
    const text = await response.text();
    if (response.ok) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {}
      const token = read(json);
      if (!token) throw parseProviderError(mechanism, response.status, '', response.headers);
      return token;
    }
    if (retryOnClock && clockChanged && attempt === 0) continue;
    throw parseProviderError(mechanism, response.status, redact(text), response.headers);
  }
}

/** What differs between the token strategies; {@link createTokenStrategy} does the rest. */
export interface TokenStrategySpec {
  readonly mechanism: Mechanism;
  /** The token path under the base URL (used when `tokenEndpoint` is not given). */
  readonly path: string;
  readonly tokenEndpoint?: string | undefined;
  /** The inputs that change the token, given the endpoint URL: hashed into the cache key (secrets hashed first). */
  readonly cacheParts: (url: string) => string[];
  readonly headers: (token: string) => Record<string, string>;
  /** Builds one token request (a signature may be asynchronous); called again for the retry after a clock correction. */
  readonly request: (url: string, context: StrategyContext) => RequestInit | Promise<RequestInit>;
  /** Reads the 200 body; undefined when it is not the documented shape. */
  readonly read: (json: unknown) => FetchedToken | undefined;
  /** Retry once when a refusal came with a corrected server clock (the request carries times). */
  readonly retryOnClock?: boolean;
  readonly renewMarginMs?: number | undefined;
  readonly backgroundRefresh?: boolean | undefined;
  /** What `inspect` and `JSON.stringify` show: ids only. */
  readonly shown: () => Record<string, unknown>;
  /** The secrets this strategy sends, redacted by value from any provider answer that reaches an error. */
  readonly secrets: readonly string[];
}

/**
 * Builds a token strategy (app-token, private-key-jwt, api-key) from what differs between them: the token request,
 * its answer, and the header the token goes in. The shared token manager, cache key and 401 rule come from here.
 */
export function createTokenStrategy(spec: TokenStrategySpec): AuthStrategy {
  if (spec.renewMarginMs !== undefined) assertNumber(spec.renewMarginMs, 'renewMarginMs', 0, 3_600_000);
  return describeAs(
    {
      mechanism: spec.mechanism,
      bind(context: StrategyContext) {
        const url = spec.tokenEndpoint ?? `${context.baseUrl}${spec.path}`;
        return bindTokenStrategy(context, {
          mechanism: spec.mechanism,
          key: tokenCacheKey([spec.mechanism, url, ...spec.cacheParts(url)]),
          headers: spec.headers,
          ...(spec.renewMarginMs === undefined ? {} : { renewMarginMs: spec.renewMarginMs }),
          ...(spec.backgroundRefresh === undefined ? {} : { backgroundRefresh: spec.backgroundRefresh }),
          shown: spec.shown,
          secrets: spec.secrets,
          fetchToken: (signal) =>
            requestToken(
              context,
              spec.mechanism,
              () => ({ url, init: spec.request(url, context) }),
              spec.read,
              signal,
              spec.retryOnClock,
              (text) => redactValues(text, spec.secrets),
            ),
        });
      },
    },
    spec.shown,
  );
}
