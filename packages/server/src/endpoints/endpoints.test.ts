import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createClientAssertion, mechanismTable, signAppToken } from '@payauth/core';
import vectors from '@payauth/core/vectors.json' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRoute } from '../http/dispatch.ts';
import type { AuthRequest, NeutralResponse } from '../http/types.ts';
import { contextOf, createPayauth, type Payauth } from '../payauth.ts';
import { createApiKeyEndpoint } from './api-key.ts';
import { createAppTokenEndpoint } from './app-token.ts';
import { createPrivateKeyJwtEndpoint } from './private-key-jwt.ts';

const TOKEN_PATH = mechanismTable['private-key-jwt'].tokenPath!;

// The three token endpoints as neutral handlers: an AuthRequest in, the documented answer out, no HTTP.

const ISSUER = 'https://api.example.test';
let payauth: Payauth;
let created: Record<'app-token' | 'private-key-jwt' | 'api-key', Record<string, string>>;

beforeAll(async () => {
  payauth = await createPayauth({ store: ':memory:', issuer: ISSUER, hints: true });
  created = {
    'app-token': await payauth.credentials.create('app-token', { partner: 'acme' }),
    'private-key-jwt': await payauth.credentials.create('private-key-jwt', { partner: 'acme' }),
    'api-key': await payauth.credentials.create('api-key', { partner: 'acme' }),
  };
});
afterAll(() => payauth.close());

let counter = 0;
/** A POST as an adapter would hand it over; a fresh request id (16 characters) each time. */
function post(path: string, contentType: string | undefined, body: string): AuthRequest {
  counter++;
  return {
    method: 'POST',
    path,
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    query: {},
    address: '203.0.113.7',
    requestId: `request${String(counter).padStart(9, '0')}`,
    body,
  };
}
const json = (response: NeutralResponse) => JSON.parse(response.body) as Record<string, unknown>;

describe('api-key: POST /business/auth', () => {
  const endpoint = () => createApiKeyEndpoint(contextOf(payauth));

  it('exchanges the key and secret for a token the issuer verifies, of the api-key mechanism', async () => {
    const { apiKey, apiSecret } = created['api-key'];
    const response = await endpoint()(
      post('/business/auth', 'application/json', JSON.stringify({ apiKey, apiSecret })),
    );
    expect(response.status).toBe(200);
    const body = json(response);
    expect(Object.keys(body)).toEqual(['accessToken', 'expiresIn']);
    expect(body.expiresIn).toBe(3600);
    const claims = await contextOf(payauth).issuer.verify(String(body.accessToken));
    expect(claims.mechanism).toBe('api-key');
    expect(claims.sub).toBe(created['api-key'].id);
  });

  it.each(vectors.apiKey.errors)('the documented answer, byte for byte: $case', async (example) => {
    const response = await endpoint()(post('/business/auth', example.contentType, example.body));
    expect(response.status).toBe(example.status);
    expect(response.body).toBe(example.response);
    expect(response.headers['payauth-hint']).toMatch(/^ERR_/);
  });

  it('an unknown key gets the same answer as a wrong secret', async () => {
    const response = await endpoint()(
      post('/business/auth', 'application/json', '{"apiKey":"nobody","apiSecret":"x"}'),
    );
    expect(response.status).toBe(401);
    expect(response.body).toBe('{"code":0,"error":"invalid credentials"}');
  });

  it('a body the adapter could not read is answered by the route table as invalid payload', async () => {
    const route = payauth.routes.find((candidate) => candidate.path === '/business/auth')!;
    const { body: _body, ...request } = post('/business/auth', 'application/json', '');
    const response = await runRoute(contextOf(payauth), route, { ...request, bodyProblem: 'too-large' });
    expect(response.status).toBe(400);
    expect(response.body).toBe('{"code":0,"error":"invalid payload"}');
  });
});

describe('app-token: POST /authorizer/token/application/get', () => {
  const endpoint = () => createAppTokenEndpoint(contextOf(payauth));
  const signed = (overrides: Record<string, unknown> = {}) => {
    const { applicationId, secretKey } = created['app-token'];
    const date = '2020-04-06 11:15:27';
    return JSON.stringify({
      application_id: applicationId,
      date,
      signature: signAppToken({ secretKey: secretKey!, applicationId: applicationId!, date }),
      ...overrides,
    });
  };

  it("returns {request_id, token, expires_in: 3602}; request_id is the request's", async () => {
    const request = post('/authorizer/token/application/get', 'application/json', signed());
    const response = await endpoint()(request);
    expect(response.status).toBe(200);
    const body = json(response);
    expect(Object.keys(body)).toEqual(['request_id', 'token', 'expires_in']);
    expect(body.request_id).toBe(request.requestId);
    expect(body.expires_in).toBe(3602);
    expect((await contextOf(payauth).issuer.verify(String(body.token))).mechanism).toBe('app-token');
  });

  it('a wrong signature and an unknown application get the same 403', async () => {
    for (const body of [signed({ signature: 'a'.repeat(128) }), signed({ application_id: '9999' })]) {
      const request = post('/authorizer/token/application/get', 'application/json', body);
      const response = await endpoint()(request);
      expect(response.status).toBe(403);
      expect(response.body).toBe(
        JSON.stringify({
          error_code: 403,
          error_message: 'Incorrect signature',
          request_id: request.requestId,
        }),
      );
    }
  });

  it.each([
    ['not JSON', () => 'not json', 'JSON'],
    ['a long application_id', () => signed({ application_id: 'x'.repeat(21) }), 'application_id'],
    ['a long signature', () => signed({ signature: 's'.repeat(129) }), 'signature'],
  ])('names the invalid parameter: %s', async (_name, body, message) => {
    const response = await endpoint()(post('/authorizer/token/application/get', 'application/json', body()));
    expect(response.status).toBe(403);
    expect(String(json(response).error_message)).toContain(message);
  });
});

describe('private-key-jwt: POST /connect/token', () => {
  const endpoint = () => createPrivateKeyJwtEndpoint(contextOf(payauth));
  const assertion = (overrides: Partial<Parameters<typeof createClientAssertion>[0]> = {}) => {
    const client = created['private-key-jwt'];
    return createClientAssertion({
      clientId: client.clientId!,
      privateKey: createPrivateKey(client.privateKeyPem!),
      certificate: new X509Certificate(client.certificatePem!),
      audience: `${ISSUER}${TOKEN_PATH}`,
      ...overrides,
    });
  };
  const form = (fields: Record<string, string>) =>
    post(
      TOKEN_PATH,
      'application/x-www-form-urlencoded',
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        scope: 'API',
        ...fields,
      }).toString(),
    );

  it('issues {access_token, token_type: Bearer, expires_in: 3600, scope: API}; the same assertion twice is a replay', async () => {
    const jwt = assertion();
    const response = await endpoint()(form({ client_assertion: jwt }));
    expect(response.status).toBe(200);
    const body = json(response);
    expect(body).toEqual({
      access_token: body.access_token,
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'API',
    });
    const replay = await endpoint()(form({ client_assertion: jwt }));
    expect(replay.status).toBe(401);
    expect(json(replay).error).toBe('invalid_client');
    expect(replay.headers['payauth-hint']).toMatch(/^ERR_ASSERTION_REPLAYED/);
  });

  it('accepts the issuer as aud (openid-client), refuses another aud', async () => {
    expect((await endpoint()(form({ client_assertion: assertion({ audience: ISSUER }) }))).status).toBe(200);
    const refused = await endpoint()(
      form({ client_assertion: assertion({ audience: 'https://elsewhere.example/connect/token' }) }),
    );
    expect(refused.status).toBe(401);
    expect(refused.headers['payauth-hint']).toMatch(/^ERR_ASSERTION_AUDIENCE_MISMATCH/);
  });

  it('RFC 6749 errors: client_id mismatch, grant type, scope, content type', async () => {
    const cases: Array<[AuthRequest, number, string]> = [
      [form({ client_id: 'other', client_assertion: assertion() }), 401, 'invalid_client'],
      [form({ grant_type: 'password', client_assertion: assertion() }), 400, 'unsupported_grant_type'],
      [form({ scope: 'ADMIN', client_assertion: assertion() }), 400, 'invalid_scope'],
      [post(TOKEN_PATH, 'application/json', '{}'), 400, 'invalid_request'],
    ];
    for (const [request, status, error] of cases) {
      const response = await endpoint()(request);
      expect(response.status).toBe(status);
      expect(Object.keys(json(response))).toEqual(['error', 'error_description']);
      expect(json(response).error).toBe(error);
    }
  });
});
