import type { NeutralResponse, Route } from '../http/types.ts';
import { createOpenApiDocument, type OpenApiOptions } from './document.ts';

/**
 * `GET /openapi.json`: the document, rendered once.
 *
 * @example
 * ```ts
 * payauth.addRoutes([createOpenApiRoute({ issuer: payauth.config.issuer, admin: true })])
 * ```
 */
export function createOpenApiRoute(options: OpenApiOptions): Route {
  const body = JSON.stringify(createOpenApiDocument(options));
  return {
    method: 'GET',
    path: '/openapi.json',
    async handle(): Promise<NeutralResponse> {
      return {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'max-age=300' },
        body,
      };
    },
  };
}
