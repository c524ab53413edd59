import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { checkResponseAgainstOpenApi } from '../../../../test/support/openapi.ts';
import type { AdminHost } from '../admin/host.ts';
import { createAdminRoutes } from '../admin/routes.ts';
import { createOpenApiDocument } from './document.ts';

describe('the OpenAPI document', () => {
  for (const [name, options] of [
    ['full', { issuer: 'http://127.0.0.1:8080' }],
    ['without admin and metrics', { admin: false, metrics: false }],
  ] as const) {
    it(`is valid OpenAPI 3.1 (${name})`, async () => {
      const validator = new Validator();
      const result = await validator.validate(createOpenApiDocument(options));
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(validator.version).toBe('3.1');
    });
  }

  it('documents every admin route only when the admin API is on', () => {
    const paths = (options: Parameters<typeof createOpenApiDocument>[0]) =>
      Object.keys(createOpenApiDocument(options).paths as object);
    const adminRoutes = createAdminRoutes({ config: { issuer: 'http://127.0.0.1:1' } } as AdminHost, {
      token: 'a'.repeat(32),
    });
    const document = createOpenApiDocument({}) as { paths: Record<string, Record<string, unknown>> };
    for (const route of adminRoutes) {
      const template = route.path.replace(/:(\w+)/g, '{$1}');
      expect(
        document.paths[template]?.[route.method.toLowerCase()],
        `${route.method} ${route.path}`,
      ).toBeDefined();
    }
    expect(paths({}).filter((path) => path.startsWith('/admin/api/'))).toHaveLength(9);
    expect(paths({ admin: false }).some((path) => path.startsWith('/admin/'))).toBe(false);
    expect(paths({ metrics: false })).not.toContain('/metrics');
  });
});

describe('checkResponseAgainstOpenApi', () => {
  const json = { 'content-type': 'application/json; charset=utf-8' };

  it('accepts documented answers', () => {
    expect(
      checkResponseAgainstOpenApi(
        'GET',
        '/api/accounts',
        401,
        json,
        '{"code":"1002","message":"Authorization error: Full authentication is required to access this resource"}',
      ),
    ).toEqual([]);
    expect(
      checkResponseAgainstOpenApi(
        'POST',
        '/admin/api/credentials/cred_x/revoke',
        404,
        json,
        '{"error":"not_found","message":"no such credential"}',
      ),
    ).toEqual([]);
    expect(
      checkResponseAgainstOpenApi('GET', '/nowhere', 404, json, '{"error":"not_found","message":"no route"}'),
    ).toEqual([]);
  });

  it('names each kind of drift', () => {
    const problems = (...args: Parameters<typeof checkResponseAgainstOpenApi>) =>
      checkResponseAgainstOpenApi(...args).map((finding) => finding.problem);
    expect(problems('GET', '/api/accounts', 418, json, '{}')[0]).toMatch(/status 418 not documented/);
    expect(problems('GET', '/api/accounts', 401, json, '{"code":1002,"message":"x"}')[0]).toMatch(/body/);
    expect(problems('GET', '/api/accounts', 401, { 'content-type': 'text/html' }, '<p>')[0]).toMatch(
      /content-type text\/html/,
    );
    expect(
      problems('GET', '/public/v1/users', 401, json, '{"error":"invalid_token","error_description":"x"}'),
    ).toEqual(['missing header WWW-Authenticate']);
    expect(problems('GET', '/api/accounts', 429, json, '{"code":"429","message":"x"}')).toEqual([
      'missing header Retry-After',
    ]);
    expect(problems('DELETE', '/api/accounts', 200, json, '[]')[0]).toMatch(/undocumented method/);
    expect(problems('GET', '/nowhere', 200, json, '{}')).toEqual(['undocumented path']);
  });
});
