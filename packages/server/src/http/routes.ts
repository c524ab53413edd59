import { type Mechanism, mechanismTable } from '@payauth/core';
import type { AuthContext } from '../context.ts';
import { createApiKeyEndpoint } from '../endpoints/api-key.ts';
import { createAppTokenEndpoint } from '../endpoints/app-token.ts';
import { createPrivateKeyJwtEndpoint } from '../endpoints/private-key-jwt.ts';
import type { Guard } from '../guards/authenticate.ts';
import { createBearerGuard } from '../guards/bearer.ts';
import { createResources } from '../resources.ts';
import { singleHeader } from './headers.ts';
import { jsonResponse } from './response.ts';
import type { GuardResult, Route } from './types.ts';

/** Paths of the routes every adapter serves (the token endpoints' from the mechanism table). */
export const PATHS = {
  appToken: mechanismTable['app-token'].tokenPath!,
  privateKeyJwt: mechanismTable['private-key-jwt'].tokenPath!,
  apiKey: mechanismTable['api-key'].tokenPath!,
  jwks: '/.well-known/jwks.json',
  oauthMetadata: '/.well-known/oauth-authorization-server',
  openidMetadata: '/.well-known/openid-configuration',
} as const;

/**
 * The routes every adapter serves: the three token endpoints, the OAuth authorization server metadata (RFC 8414, also
 * at the OpenID discovery path for openid-client) and the JWKS of the issued tokens.
 *
 * @example
 * ```ts
 * for (const route of createEndpointRoutes(context)) console.log(route.method, route.path)
 * ```
 */
export function createEndpointRoutes(context: AuthContext): Route[] {
  const endpoints = {
    'app-token': createAppTokenEndpoint(context),
    'private-key-jwt': createPrivateKeyJwtEndpoint(context),
    'api-key': createApiKeyEndpoint(context),
  } as const;
  const { issuer } = context.config;
  const metadata = async () =>
    jsonResponse(200, {
      issuer,
      token_endpoint: `${issuer}${PATHS.privateKeyJwt}`,
      jwks_uri: `${issuer}${PATHS.jwks}`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: [...context.config.privateKeyJwt.algorithms],
      scopes_supported: [...context.config.privateKeyJwt.scopes],
      response_types_supported: [],
    });
  const tokenRoutes = Object.values(mechanismTable).flatMap(
    ({ mechanism, tokenPath, tokenSurface }): Route[] =>
      mechanism === 'hmac' || tokenPath === undefined
        ? []
        : [
            {
              method: 'POST',
              path: tokenPath,
              surface: tokenSurface,
              readsBody: true,
              handle: endpoints[mechanism],
            },
          ],
  );
  return [
    ...tokenRoutes,
    {
      method: 'GET',
      path: PATHS.jwks,
      handle: async () => jsonResponse(200, context.issuer.jwks(), { 'cache-control': 'max-age=300' }),
    },
    { method: 'GET', path: PATHS.oauthMetadata, handle: metadata },
    { method: 'GET', path: PATHS.openidMetadata, handle: metadata },
  ];
}

/**
 * The sandbox's protected resources, as the documents show them, and `/health`: API-money's `GET /api/accounts` (and
 * `/accounts`), eMoney's `GET /public/v1/users`, WakaPay's `GET /business/balance`. Served by `payauth serve`, and by
 * any adapter when `createPayauth({ sandbox: true })`.
 */
export function createSandboxRoutes(
  context: AuthContext,
  guards: Readonly<Record<Mechanism, Guard>>,
): Route[] {
  const resources = createResources(context);
  // API-money resources take the hmac header; a Bearer token issued by app-token is accepted too (docs/providers/app-token.md), and
  // refused in API-money's shape since that is the route's document.
  const appTokenOnAccounts = createBearerGuard(context, { surface: 'hmac', mechanisms: ['app-token'] });
  const accounts = async (request: Parameters<Route['handle']>[0]) => {
    const authorization = singleHeader(request.headers.authorization);
    const result: GuardResult =
      authorization !== undefined && /^Bearer /i.test(authorization)
        ? await appTokenOnAccounts(request)
        : await guards.hmac(request);
    return result.ok ? resources.accounts(result.principal) : result.response;
  };
  const handlers: Readonly<Record<Mechanism, Route['handle'] | undefined>> = {
    hmac: accounts,
    'app-token': undefined,
    'private-key-jwt': async (request) => {
      const result = await guards['private-key-jwt'](request);
      return result.ok ? resources.users(result.principal) : result.response;
    },
    'api-key': async (request) => {
      const result = await guards['api-key'](request);
      return result.ok ? resources.balance(result.principal, request) : result.response;
    },
  };
  const resourceRoutes = Object.values(mechanismTable).flatMap(({ mechanism, resourcePaths, guardSurface }) =>
    resourcePaths.map(
      (path): Route => ({ method: 'GET', path, surface: guardSurface, handle: handlers[mechanism]! }),
    ),
  );
  return [
    ...resourceRoutes,
    {
      method: 'GET',
      path: '/health',
      handle: async () => {
        const down = context.resolver.lastPollError !== undefined;
        // The audit trail's health is shown, not folded into the status: a refused audit row must be seen, but is
        // no reason for a load balancer to take the instance out.
        return jsonResponse(down ? 503 : 200, {
          status: down ? 'degraded' : 'ok',
          audit: context.audit.health,
        });
      },
    },
  ];
}
