import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenApiDocument } from '../../packages/server/src/openapi/document.ts';
import { checkResponseAgainstOpenApi, type DriftFinding } from '../support/openapi.ts';
import { startTestServer, type TestServer } from '../support/servers.ts';

/** The scenario routes (sandbox only) against the OpenAPI document the sandbox serves: every documented status. */
const token = 'admin-token-for-the-scenario-sweep';
let server: TestServer;
const findings: DriftFinding[] = [];
const covered = new Set<string>();
const document = createOpenApiDocument({ admin: true, metrics: true, scenarios: true });

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/admin/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  findings.push(
    ...checkResponseAgainstOpenApi(
      method,
      `/admin/api${path}`,
      response.status,
      response.headers,
      text,
      document,
    ),
  );
  const template = path.startsWith('/scenarios/') ? '/admin/api/scenarios/{id}' : `/admin/api${path}`;
  covered.add(`${method} ${template} ${response.status}`);
  return { status: response.status, json: JSON.parse(text) as Record<string, unknown> };
}

beforeAll(async () => {
  server = await startTestServer({ admin: { token }, scenarios: true });
});
afterAll(async () => {
  await server?.close();
});

describe('the scenario routes match /openapi.json', () => {
  it('is served in the sandbox’s document, and not in a document without scenarios', async () => {
    const served = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(served.paths)).toContain('/admin/api/scenarios/{id}');
    expect(Object.keys(createOpenApiDocument({}).paths as object)).not.toContain('/admin/api/scenarios');
  });

  it('answers every documented status of every scenario route, with 0 drift findings', async () => {
    const armed = await call(
      'POST',
      '/scenarios',
      '{"scenario":"slow","credential":"your_api_key","params":{"ms":5}}',
    );
    expect(armed.status).toBe(201);
    expect((await call('GET', '/scenarios')).status).toBe(200);
    expect((await call('DELETE', `/scenarios/${armed.json.id as string}`)).status).toBe(200);
    expect((await call('DELETE', '/scenarios/scn_none')).status).toBe(404);
    expect((await call('POST', '/scenarios', '{"scenario":"slow","credential":"nobody"}')).status).toBe(404);
    expect((await call('POST', '/scenarios', '{"scenario":"teapot"}')).status).toBe(400);
    expect((await call('POST', '/scenarios', 'x'.repeat(70_000))).status).toBe(413);
    for (const [method, path] of [
      ['GET', '/scenarios'],
      ['POST', '/scenarios'],
      ['DELETE', '/scenarios/scn_x'],
    ] as const) {
      expect((await call(method, path, undefined, { authorization: 'Bearer nope' })).status).toBe(401);
      expect((await call(method, path, undefined, { origin: 'https://evil.example' })).status).toBe(403);
    }
    expect(findings).toEqual([]);
    const missing: string[] = [];
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    for (const [path, operations] of Object.entries(paths)) {
      if (!path.startsWith('/admin/api/scenarios')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        for (const status of Object.keys(operation.responses)) {
          if (!covered.has(`${method.toUpperCase()} ${path} ${status}`))
            missing.push(`${method} ${path} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
