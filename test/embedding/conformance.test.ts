import { createHmac, createPublicKey, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadPkcs12 } from '@payauth/client/keys';
import { computeThumbprints, encodeBase64url, HMAC_REJECTION_BODY, type Mechanism } from '@payauth/core';
import vectors from '@payauth/core/vectors.json' with { type: 'json' };
import { DEMO } from '@payauth/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacFailureCases } from '../support/hmac-cases.ts';
import {
  ASSERTION_FORM,
  appTokenBody,
  authHeaders,
  createPartnerCredentials,
  demoAssertion,
  form,
  get,
  hmacHeader,
  json,
  type PartnerCredentials,
  publicIdOf,
  seededBytes,
  TOKEN_ENDPOINT,
} from './requests.ts';
import {
  BUILDERS,
  ISSUER,
  MECHANISMS,
  send,
  startTarget,
  type Target,
  type WireRequest,
  type WireResponse,
} from './targets.ts';

// One adapter conformance suite (SPEC.md, "Embedding": every adapter answers the same bytes as `payauth serve`). Each
// check sends the same request to every target — `payauth serve` (createPayauthServer), Express 5, Hono 4 on
// @hono/node-server, Fastify 5, the fetch adapter — over real HTTP, asserts what the documents fix, and compares
// status, headers and body with `payauth serve`'s (request ids, tokens and Date aside). `fastify-prehandler` is the
// Fastify target's user routes guarded with `requireAuth` as `preHandler` instead of `onRequest`.

const NAMES = Object.keys(BUILDERS);
const targets: Record<string, Target> = {};
const partners: Record<string, PartnerCredentials> = {};
/** Views of the targets: each target, and Fastify's preHandler routes. */
interface View {
  readonly name: string;
  readonly target: Target;
  readonly userPrefix: string;
}
const views: View[] = [];

beforeAll(async () => {
  const started = await Promise.all(NAMES.map((name) => startTarget(name)));
  for (const target of started) {
    targets[target.name] = target;
    partners[target.name] = await createPartnerCredentials(target);
    views.push({ name: target.name, target, userPrefix: target.userPrefix });
    if (target.name === 'fastify') views.push({ name: 'fastify-prehandler', target, userPrefix: '/pre' });
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(Object.values(targets).map((target) => target.close()));
});

/** Headers that are the transport's or the framework's, not payauth's answer. */
const TRANSPORT_HEADERS = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'x-powered-by',
]);

/** What is compared across targets: status, payauth's headers, the body with request ids and tokens blanked. */
function comparable(response: WireResponse): {
  status: number;
  headers: Record<string, unknown>;
  body: string;
} {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(response.headers).sort(([a], [b]) => a.localeCompare(b))) {
    if (TRANSPORT_HEADERS.has(name)) continue;
    // Retry-After of a failure budget counts down from the window's start, which differs by a second between targets.
    // The sandbox hint may quote a clock difference or a wait in seconds.
    headers[name] =
      name === 'retry-after' && response.status === 429
        ? '<seconds>'
        : name === 'payauth-hint'
          ? String(value).replace(/\d+/g, '#')
          : value;
  }
  const body = response.body
    .replace(/"request_id":"[A-Za-z0-9]{16}"/g, '"request_id":"<id>"')
    .replace(/"(token|access_token|accessToken)":"[^"]+"/g, '"$1":"<token>"');
  return { status: response.status, headers, body };
}

/** A check: a request (or several) built for a view, what its answer must be, and how it is compared. */
interface Check {
  readonly name: string;
  /** The request(s); may first make other requests (tokens, failures to fill a budget). */
  readonly build: (view: View) => WireRequest | WireRequest[] | Promise<WireRequest | WireRequest[]>;
  readonly expect?: (response: WireResponse, view: View) => void;
  /** Runs on the user routes: every view (Fastify twice). Otherwise the targets only. */
  readonly user?: boolean;
  /** Views it runs on (default all). */
  readonly only?: readonly string[];
  /** Compare with `payauth serve`: everything (default), the status only (an answer of the HTTP layer), or not. */
  readonly compare?: boolean | 'status';
}

type Comparable = ReturnType<typeof comparable>;
/** Answers by check (title and name) and view. */
const results = new Map<string, Map<string, Comparable[]>>();

function defineChecks(title: string, checks: readonly Check[]): void {
  describe(title, () => {
    for (const check of checks) {
      const runOn = (check.only ?? [...NAMES, ...(check.user ? ['fastify-prehandler'] : [])]).filter(
        (name) => check.user || name !== 'fastify-prehandler',
      );
      describe(check.name, () => {
        for (const name of runOn) {
          it(name, async () => {
            const view = views.find((candidate) => candidate.name === name)!;
            const built = await check.build(view);
            const requests = Array.isArray(built) ? built : [built];
            const answers: WireResponse[] = [];
            for (const request of requests) answers.push(await send(view.target.url, request));
            for (const answer of answers) {
              expect(answer.body, 'never a stack trace').not.toMatch(/at .*\.ts:\d+|Error:/);
              check.expect?.(answer, view);
            }
            const byView = results.get(`${title}/${check.name}`) ?? new Map<string, Comparable[]>();
            byView.set(name, answers.map(comparable));
            results.set(`${title}/${check.name}`, byView);
          });
        }
        if (check.compare !== false && runOn.length > 1) {
          it('same bytes on every target', () => {
            const byView = results.get(`${title}/${check.name}`) ?? new Map<string, Comparable[]>();
            const reference = byView.get(runOn[0]!);
            expect(reference, `${runOn[0]} answered`).toBeDefined();
            for (const name of runOn.slice(1)) {
              const answers = byView.get(name);
              expect(answers, `${name} answered`).toBeDefined();
              expect(answers!.length).toBe(reference!.length);
              answers!.forEach((answer, index) => {
                const expected = reference![index]!;
                const where = `${name} vs ${runOn[0]}, answer ${index}`;
                expect(answer.status, `${where}: status`).toBe(expected.status);
                if (check.compare === 'status') return;
                expect(JSON.stringify(answer.headers), `${where}: headers`).toBe(
                  JSON.stringify(expected.headers),
                );
                expect(answer.body, `${where}: body`).toBe(expected.body);
              });
            }
          });
        }
      });
    }
  });
}

const user = (view: View, mechanism: Mechanism) => `${view.userPrefix}/${mechanism}`;
const status = (code: number) => (response: WireResponse) => expect(response.status).toBe(code);
const hintOf = (response: WireResponse) => String(response.headers['payauth-hint'] ?? '');
const HMAC_FAILURE = (code: string) => (response: WireResponse) => {
  expect(response.status).toBe(401);
  expect(response.body).toBe(HMAC_REJECTION_BODY);
  expect(hintOf(response)).toMatch(new RegExp(`^${code}`));
};
const fondy =
  (message: string, code = 403) =>
  (response: WireResponse) => {
    expect(response.status).toBe(code);
    const body = JSON.parse(response.body);
    expect(Object.keys(body)).toEqual(['error_code', 'error_message', 'request_id']);
    expect(body.error_code).toBe(code);
    expect(body.error_message).toContain(message);
    expect(body.request_id).toMatch(/^[A-Za-z0-9]{16}$/);
  };
const oauth = (code: number, error: string) => (response: WireResponse) => {
  expect(response.status).toBe(code);
  const body = JSON.parse(response.body);
  expect(Object.keys(body)).toEqual(['error', 'error_description']);
  expect(body.error).toBe(error);
};
const wakapay = (code: number, body: string) => (response: WireResponse) => {
  expect(response.status).toBe(code);
  expect(response.body).toBe(body);
};
const INVALID_TOKEN = (response: WireResponse) => {
  expect(response.status).toBe(401);
  expect(String(response.headers['www-authenticate'])).toMatch(/^Bearer error="invalid_token"/);
  expect(JSON.parse(response.body).error).toBe('invalid_token');
};
const INVALID_PAYLOAD = '{"code":0,"error":"invalid payload"}';

/** The failure answer of each mechanism's guarded routes (SPEC.md: that mechanism's documented body and status). */
const GUARD_FAILURE: Record<Mechanism, (response: WireResponse) => void> = {
  hmac: (response) => {
    expect(response.status).toBe(401);
    expect(response.body).toBe(HMAC_REJECTION_BODY);
  },
  'app-token': fondy('', 403),
  'private-key-jwt': INVALID_TOKEN,
  'api-key': wakapay(401, '{"code":0,"error":"invalid token"}'),
};

const demoHeaders = async (view: View, mechanism: Mechanism) => {
  const demo = view.target.payauth.demo!;
  const created: Record<string, string> = {
    hmac: { ...DEMO.hmac },
    'app-token': { ...DEMO.appToken },
    'private-key-jwt': { ...demo['private-key-jwt'], privateKeyPem: '', certificatePem: '' },
    'api-key': { ...DEMO.apiKey },
  }[mechanism] as Record<string, string>;
  if (mechanism !== 'private-key-jwt') return authHeaders(view.target, mechanism, created);
  const response = await send(
    view.target.url,
    form({ ...ASSERTION_FORM, client_assertion: demoAssertion(view.target) }),
  );
  return [
    ['Authorization', `Bearer ${JSON.parse(response.body).access_token}`],
    ['apikey', demo['private-key-jwt'].apiKey],
  ] as Array<[string, string]>;
};

defineChecks("each document's example", [
  {
    name: 'hmac: GET /api/accounts with a fresh AUTH header returns the two documented accounts',
    build: () => get('/api/accounts', [['Authorization', hmacHeader()]]),
    expect: (response) => {
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(response.body)).toEqual(vectors.hmacAccounts.accounts);
    },
  },
  {
    name: "hmac: the document's own header (2023 timestamp) gets the 1002 body",
    build: () => get('/api/accounts', [['Authorization', vectors.hmac[0]!.header]]),
    expect: HMAC_FAILURE('ERR_HMAC_TIMESTAMP_STALE'),
  },
  {
    name: 'app-token: the documented request returns {request_id, token, expires_in: 3602}',
    build: () => json('/authorizer/token/application/get', appTokenBody()),
    expect: (response) => {
      expect(response.status).toBe(200);
      const body = JSON.parse(response.body);
      expect(Object.keys(body)).toEqual(['request_id', 'token', 'expires_in']);
      expect(body.expires_in).toBe(3602);
    },
  },
  {
    name: "app-token: the document's exact body (unpublished secret) is the documented 403",
    build: () => json('/authorizer/token/application/get', vectors.appTokenDocument.request),
    expect: fondy('Incorrect signature'),
  },
  {
    name: 'app-token: the token is accepted on API-money resources',
    build: async (view) => get('/api/accounts', await demoHeaders(view, 'app-token')),
    expect: status(200),
  },
  {
    name: 'private-key-jwt: the C# example (no jti, one hour, scope API) gets a token',
    build: (view) =>
      form({
        ...ASSERTION_FORM,
        client_assertion: demoAssertion(view.target, { jti: false, lifetimeSeconds: 3600 }),
      }),
    expect: (response) => {
      expect(response.status).toBe(200);
      const body = JSON.parse(response.body);
      expect(body).toEqual({
        access_token: body.access_token,
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'API',
      });
    },
  },
  {
    name: 'private-key-jwt: GET /public/v1/users with the token and the apikey',
    build: async (view) => get('/public/v1/users', await demoHeaders(view, 'private-key-jwt')),
    expect: (response) => {
      expect(response.status).toBe(200);
      expect(Array.isArray(JSON.parse(response.body))).toBe(true);
    },
  },
  {
    name: "api-key: the document's request, then the balance with the Bearer token",
    build: async (view) => [
      json('/business/auth', vectors.apiKey.request),
      get('/business/balance?currency=USD', await demoHeaders(view, 'api-key')),
    ],
    expect: (response) => {
      expect(response.status).toBe(200);
      const body = JSON.parse(response.body);
      if ('accessToken' in body) expect(Object.keys(body)).toEqual(['accessToken', 'expiresIn']);
      else expect(body).toEqual({ currency: 'USD', balance: '1250.00' });
    },
  },
  {
    name: 'OAuth metadata at both discovery paths',
    build: () => [get('/.well-known/oauth-authorization-server'), get('/.well-known/openid-configuration')],
    expect: (response) => {
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({ issuer: ISSUER, token_endpoint: TOKEN_ENDPOINT });
    },
  },
  {
    name: 'JWKS (the keys are each instance’s own: compared by shape)',
    build: () => get('/.well-known/jwks.json'),
    compare: false,
    expect: (response) => {
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('max-age=300');
      expect(JSON.parse(response.body).keys.length).toBeGreaterThan(0);
    },
  },
  {
    name: 'GET /health',
    build: () => get('/health'),
    // The audit trail's counters in it are each instance's own.
    compare: 'status',
    expect: (response) => {
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body).status).toBe('ok');
    },
  },
  {
    name: "HEAD: the GET route's status and headers, no body",
    build: () => [
      { method: 'HEAD', path: '/health' },
      { method: 'HEAD', path: '/.well-known/oauth-authorization-server' },
      { method: 'HEAD', path: '/api/accounts' },
    ],
    // Content-Length of a HEAD answer is the framework's (Fastify sends it, Express and Hono do not).
    compare: 'status',
    expect: (response) => {
      expect([200, 401]).toContain(response.status);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toBe('');
    },
  },
]);

const HMAC_CASES = hmacFailureCases(hmacHeader);
// A fixed header per case, so that every target gets the same bytes (and the same hint).
const hmacCaseHeaders = new Map(HMAC_CASES.map(([name, make]) => [name, make()]));

defineChecks('hmac: every failure is 401 with the documented 1002 body (sandbox resource and requireAuth)', [
  ...HMAC_CASES.map(
    ([name, , code]): Check => ({
      name: `/api/accounts: ${name}`,
      build: () => {
        const header = hmacCaseHeaders.get(name);
        return get('/api/accounts', header === undefined ? [] : [['Authorization', header]]);
      },
      expect: HMAC_FAILURE(code),
    }),
  ),
  ...HMAC_CASES.filter(([name]) => name !== 'Bearer garbage').map(
    ([name, , code]): Check => ({
      name: `requireAuth(hmac): ${name}`,
      user: true,
      build: (view) => {
        const header = hmacCaseHeaders.get(name);
        return get(user(view, 'hmac'), header === undefined ? [] : [['Authorization', header]]);
      },
      expect: HMAC_FAILURE(code),
    }),
  ),
  {
    name: 'two Authorization headers (one valid) are refused, not resolved by guessing',
    build: () =>
      get('/api/accounts', [
        ['Authorization', hmacHeader()],
        ['Authorization', hmacHeader()],
      ]),
    expect: (response) => {
      expect(response.status).toBe(401);
      expect(response.body).toBe(HMAC_REJECTION_BODY);
    },
    // The fetch API joins repeated headers with ", " (no raw list): same answer, another hint.
    compare: false,
  },
]);

const signedAppToken = appTokenBody();
defineChecks('app-token: 403 bodies', [
  ...(
    [
      ['wrong signature', appTokenBody({ signature: 'a'.repeat(128) }), 'Incorrect signature'],
      ['unknown application', appTokenBody({ application_id: '9999' }), 'Incorrect signature'],
      ['missing application_id', '{"date":"x","signature":"y"}', 'application_id'],
      ['long application_id', appTokenBody({ application_id: 'x'.repeat(21) }), 'application_id'],
      ['long date', appTokenBody({ date: 'd'.repeat(1025) }), 'date'],
      ['long signature', appTokenBody({ signature: 's'.repeat(129) }), 'signature'],
      ['not JSON', 'not json', 'JSON'],
      ['an array', '[]', 'object'],
      ['an empty body', '', 'JSON'],
      ['an oversized body (100 kB)', appTokenBody({ date: 'x'.repeat(100_000) }), 'larger than'],
    ] as const
  ).map(
    ([name, body, message]): Check => ({
      name,
      // Oversized bodies go on a connection of their own: Fastify answers them with `Connection: close`.
      build: () => ({
        ...json('/authorizer/token/application/get', body),
        fresh: name.startsWith('an oversized'),
      }),
      expect: fondy(message),
    }),
  ),
  ...[
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
  ].map(
    (type): Check => ({
      name: `content type ${type}`,
      build: () =>
        json('/authorizer/token/application/get', signedAppToken.replace('"date"', '"date" '), type),
      expect: (response) => expect([200, 403]).toContain(response.status),
    }),
  ),
]);

const crafted = (header: object, payload: object, signature = '') =>
  `${encodeBase64url(JSON.stringify(header))}.${encodeBase64url(JSON.stringify(payload))}.${signature}`;
const claims = (overrides: object = {}) => {
  const seconds = Math.floor(Date.now() / 1000);
  return {
    sub: 'emoney-demo-client',
    iss: 'emoney-demo-client',
    aud: TOKEN_ENDPOINT,
    exp: seconds + 60,
    iat: seconds,
    jti: randomBytes(8).toString('hex'),
    ...overrides,
  };
};
const demoKey = (view: View) => {
  const demo = view.target.payauth.demo!['private-key-jwt'];
  return loadPkcs12(readFileSync(demo.pfxPath), demo.pfxPassword);
};

defineChecks('private-key-jwt: RFC 6749 errors', [
  {
    name: 'aud = issuer (openid-client), kid in hex (.NET), kid x5t#S256',
    build: (view) => [
      form({ ...ASSERTION_FORM, client_assertion: demoAssertion(view.target, { audience: ISSUER }) }),
      form({ ...ASSERTION_FORM, client_assertion: demoAssertion(view.target, { kidFormat: 'hex' }) }),
      form({ ...ASSERTION_FORM, client_assertion: demoAssertion(view.target, { kidFormat: 'x5t#S256' }) }),
    ],
    expect: status(200),
  },
  {
    name: 'alg none',
    build: () =>
      form({ ...ASSERTION_FORM, client_assertion: crafted({ alg: 'none', typ: 'JWT' }, claims()) }),
    expect: oauth(401, 'invalid_client'),
  },
  {
    name: 'HS256 signed with the public key as the secret',
    build: (view) => {
      const publicPem = createPublicKey(demoKey(view).privateKey).export({ type: 'spki', format: 'pem' });
      const unsigned = crafted({ alg: 'HS256', typ: 'JWT' }, claims()).slice(0, -1);
      const signature = createHmac('sha256', publicPem).update(unsigned).digest('base64url');
      return form({ ...ASSERTION_FORM, client_assertion: `${unsigned}.${signature}` });
    },
    expect: oauth(401, 'invalid_client'),
  },
  {
    name: 'exp more than one day ahead',
    build: (view) => {
      const key = demoKey(view);
      const seconds = Math.floor(Date.now() / 1000);
      const unsigned = crafted(
        { alg: 'RS256', kid: computeThumbprints(key.certificate!).x5t, typ: 'JWT' },
        claims({ iat: seconds, nbf: seconds, exp: seconds + 2 * 86_400 }),
      ).slice(0, -1);
      const signature = sign('sha256', Buffer.from(unsigned), key.privateKey).toString('base64url');
      return form({ ...ASSERTION_FORM, client_assertion: `${unsigned}.${signature}` });
    },
    expect: (response) => {
      oauth(401, 'invalid_client')(response);
      expect(hintOf(response)).toMatch(/^ERR_ASSERTION_LIFETIME_TOO_LONG/);
    },
  },
  {
    name: 'wrong aud',
    build: (view) =>
      form({
        ...ASSERTION_FORM,
        client_assertion: demoAssertion(view.target, {
          audience: 'https://signin.emaplan.com/connect/token',
        }),
      }),
    expect: (response) => {
      oauth(401, 'invalid_client')(response);
      expect(hintOf(response)).toMatch(/^ERR_ASSERTION_AUDIENCE_MISMATCH/);
    },
  },
  {
    name: 'replay of an accepted assertion',
    build: (view) => {
      const assertion = demoAssertion(view.target);
      return [
        form({ ...ASSERTION_FORM, client_assertion: assertion }),
        form({ ...ASSERTION_FORM, client_assertion: assertion }),
      ];
    },
    expect: (response) => {
      if (response.status === 200) return;
      oauth(401, 'invalid_client')(response);
      expect(hintOf(response)).toMatch(/^ERR_ASSERTION_REPLAYED/);
    },
  },
  {
    name: 'of 10 concurrent requests with one assertion, exactly one gets a token',
    build: async (view) => {
      const request = form({ ...ASSERTION_FORM, client_assertion: demoAssertion(view.target) });
      const answers = await Promise.all(Array.from({ length: 10 }, () => send(view.target.url, request)));
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
      return request;
    },
    expect: oauth(401, 'invalid_client'),
  },
  {
    name: 'unknown client',
    build: (view) =>
      form({ ...ASSERTION_FORM, client_assertion: demoAssertion(view.target, { clientId: 'nobody' }) }),
    expect: oauth(401, 'invalid_client'),
  },
  {
    name: 'client_id mismatch',
    build: (view) =>
      form({ ...ASSERTION_FORM, client_id: 'other', client_assertion: demoAssertion(view.target) }),
    expect: oauth(401, 'invalid_client'),
  },
  {
    name: 'missing assertion',
    build: () => form({ ...ASSERTION_FORM }),
    expect: oauth(401, 'invalid_client'),
  },
  {
    name: 'wrong grant type',
    build: (view) =>
      form({ ...ASSERTION_FORM, grant_type: 'password', client_assertion: demoAssertion(view.target) }),
    expect: oauth(400, 'unsupported_grant_type'),
  },
  {
    name: 'invalid scope',
    build: (view) =>
      form({ ...ASSERTION_FORM, scope: 'ADMIN', client_assertion: demoAssertion(view.target) }),
    expect: oauth(400, 'invalid_scope'),
  },
  {
    name: 'JSON content type',
    build: () => form('{}', 'application/json'),
    expect: oauth(400, 'invalid_request'),
  },
  {
    name: 'no content type',
    build: () => ({ method: 'POST', path: '/connect/token', body: 'grant_type=client_credentials' }),
    expect: oauth(400, 'invalid_request'),
  },
  {
    name: 'form with charset',
    build: (view) =>
      form(
        new URLSearchParams({ ...ASSERTION_FORM, client_assertion: demoAssertion(view.target) }).toString(),
        'application/x-www-form-urlencoded; charset=UTF-8',
      ),
    expect: status(200),
  },
  {
    name: 'repeated parameter',
    build: () => form('grant_type=client_credentials&grant_type=client_credentials'),
    expect: oauth(400, 'invalid_request'),
  },
  {
    name: 'empty body',
    build: () => form(''),
    expect: (response) => expect([400, 401]).toContain(response.status),
  },
  {
    name: 'oversized form (100 kB)',
    build: () => ({ ...form({ ...ASSERTION_FORM, client_assertion: 'x'.repeat(100_000) }), fresh: true }),
    expect: oauth(400, 'invalid_request'),
  },
  {
    name: 'Basic client authentication: 401 with a Basic challenge',
    build: () => ({
      ...form('grant_type=client_credentials'),
      headers: [
        ['Authorization', 'Basic Zm9vOmJhcg=='],
        ['Content-Type', 'application/x-www-form-urlencoded'],
      ],
    }),
    expect: (response) => {
      oauth(401, 'invalid_client')(response);
      expect(String(response.headers['www-authenticate'])).toMatch(/^Basic/);
    },
  },
]);

defineChecks('private-key-jwt: the resource needs a valid token and the apikey (RFC 6750)', [
  {
    name: 'token without apikey, wrong apikey, apikey without token, tampered token',
    build: async (view) => {
      const [authorization, apikey] = (await demoHeaders(view, 'private-key-jwt')) as [
        [string, string],
        [string, string],
      ];
      const token = authorization[1];
      return [
        get('/public/v1/users', [authorization]),
        get('/public/v1/users', [authorization, ['apikey', 'wrong']]),
        get('/public/v1/users', [apikey]),
        get('/public/v1/users', [['Authorization', `${token.slice(0, -2)}xx`], apikey]),
      ];
    },
    expect: INVALID_TOKEN,
  },
]);

defineChecks('api-key: the documented bodies, byte for byte', [
  ...vectors.apiKey.errors.map(
    (example): Check => ({
      name: example.case,
      build: () => json('/business/auth', example.body, example.contentType),
      expect: wakapay(example.status, example.response),
    }),
  ),
  {
    name: 'no content type',
    build: () => ({ method: 'POST', path: '/business/auth', body: '{"apiKey":"a","apiSecret":"b"}' }),
    expect: wakapay(400, INVALID_PAYLOAD),
  },
  {
    name: 'an empty body',
    build: () => json('/business/auth', ''),
    expect: wakapay(400, INVALID_PAYLOAD),
  },
  {
    name: 'an oversized body (200 kB)',
    build: () => ({
      ...json('/business/auth', { apiKey: 'your_api_key', apiSecret: 'x'.repeat(200_000) }),
      fresh: true,
    }),
    expect: wakapay(400, INVALID_PAYLOAD),
  },
  {
    name: 'an oversized body sent chunked (no Content-Length)',
    build: () => ({
      ...json('/business/auth', { apiKey: 'your_api_key', apiSecret: 'x'.repeat(200_000) }),
      headers: [
        ['Content-Type', 'application/json'],
        ['Transfer-Encoding', 'chunked'],
      ],
      fresh: true,
    }),
    expect: wakapay(400, INVALID_PAYLOAD),
  },
  {
    name: 'after an oversized body, the connection stays open unless the answer said Connection: close',
    build: async (view) => {
      const oversized = JSON.stringify({ apiKey: 'your_api_key', apiSecret: 'x'.repeat(200_000) });
      const answer = await send(view.target.url, {
        ...json('/business/auth', oversized),
        headers: [
          ['Content-Type', 'application/json'],
          ['Transfer-Encoding', 'chunked'],
        ],
        agent: new Agent({ keepAlive: true, maxSockets: 1 }),
      });
      expect(answer.body).toBe(INVALID_PAYLOAD);
      // A server that drops a kept-alive connection later, unannounced, makes a client's next request on it fail
      // ("socket hang up"): @hono/node-server did, ~0.5 s after the adapter cancelled the body.
      await new Promise((resolve) => setTimeout(resolve, 800));
      if (answer.headers.connection !== 'close') expect(answer.socket?.destroyed).toBe(false);
      answer.socket?.destroy();
      return json('/business/auth', '{"apiKey":"your_api_key"}');
    },
    expect: wakapay(400, '{"code":0,"error":"apiKey and apiSecret required"}'),
  },
  ...[
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/jsonx',
    'application/x-www-form-urlencoded',
  ].map(
    (type): Check => ({
      name: `content type ${type}`,
      build: () => json('/business/auth', vectors.apiKey.request, type),
      expect: (response) => expect([200, 400]).toContain(response.status),
    }),
  ),
  {
    name: 'the balance: a bad token is 401 invalid token; a missing currency is 400',
    build: async (view) => [
      get('/business/balance?currency=USD', [['Authorization', 'Bearer abc.def.ghi']]),
      get('/business/balance', await demoHeaders(view, 'api-key')),
    ],
    expect: (response) => {
      if (response.status === 401) expect(response.body).toBe('{"code":0,"error":"invalid token"}');
      else expect(response.status).toBe(400);
    },
  },
]);

const NOISE_ROUTES: Array<[string, string]> = [
  ['POST', '/authorizer/token/application/get'],
  ['POST', '/connect/token'],
  ['POST', '/business/auth'],
  ['GET', '/api/accounts'],
  ['GET', '/public/v1/users'],
  ['GET', '/business/balance?currency=USD'],
];
defineChecks('bounded input: never a 500, never a stack trace', [
  {
    name: 'an oversized header is refused by the HTTP layer (431)',
    // Node answers it before any framework: an empty body, or Fastify's own JSON.
    compare: 'status',
    // On a new connection: Fastify answers a client error only on a socket that has not written anything yet.
    build: () => [
      { ...get('/api/accounts', [['Authorization', `AUTH ${'k'.repeat(20_000)}`]]), fresh: true },
      get('/health'),
    ],
    expect: (response) => expect([200, 431]).toContain(response.status),
  },
  {
    name: 'seeded random bodies and headers on every route get a documented 4xx',
    build: () =>
      Array.from({ length: 48 }, (_, index) => {
        const [method, path] = NOISE_ROUTES[index % NOISE_ROUTES.length]!;
        const noise = seededBytes(index + 1, 1 + ((index * 37) % 300));
        const request: WireRequest = {
          method,
          path,
          headers: [
            [
              'Content-Type',
              ['application/json', 'application/x-www-form-urlencoded', 'text/plain'][index % 3]!,
            ],
            [
              'Authorization',
              `${['AUTH ', 'Bearer ', ''][index % 3]}${noise.toString('base64').slice(0, 200)}`,
            ],
          ],
          ...(method === 'POST' ? { body: noise } : {}),
        };
        return request;
      }),
    expect: (response) => {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    },
  },
  {
    name: 'payauth serve: unknown routes are a JSON 404',
    only: ['serve'],
    build: () => get('/nope'),
    expect: (response) => {
      expect(response.status).toBe(404);
      expect(JSON.parse(response.body).error).toBe('not_found');
    },
  },
]);

defineChecks('requireAuth: the principal, own mechanism only, documented failures', [
  ...MECHANISMS.map(
    (mechanism): Check => ({
      name: `${mechanism}: the principal { mechanism, credentialId, partnerId, publicId }`,
      user: true,
      compare: false,
      build: async (view) =>
        get(
          user(view, mechanism),
          await authHeaders(view.target, mechanism, partners[view.target.name]![mechanism]),
        ),
      expect: (response, view) => {
        const created = partners[view.target.name]![mechanism];
        expect(response.status).toBe(200);
        expect(JSON.parse(response.body)).toEqual({
          principal: {
            mechanism,
            credentialId: created.id,
            partnerId: 'acme',
            publicId: publicIdOf(mechanism, created),
          },
        });
        expect(Object.keys(JSON.parse(response.body).principal)).toEqual([
          'mechanism',
          'credentialId',
          'partnerId',
          'publicId',
        ]);
      },
    }),
  ),
  ...MECHANISMS.flatMap((guarded) =>
    MECHANISMS.filter((other) => other !== guarded).map(
      (other): Check => ({
        name: `requireAuth(${guarded}) refuses ${other} credentials in ${guarded}'s documented shape`,
        user: true,
        build: async (view) => {
          const headers = await authHeaders(view.target, other, partners[view.target.name]![other]);
          // The eMoney guard also needs the apikey of the token's client: give it the right one, so only the
          // mechanism differs.
          if (guarded === 'private-key-jwt' && other !== 'private-key-jwt') {
            headers.push(['apikey', partners[view.target.name]!['private-key-jwt'].apiKey!]);
          }
          return get(user(view, guarded), headers);
        },
        expect: GUARD_FAILURE[guarded],
      }),
    ),
  ),
  ...MECHANISMS.filter((mechanism) => mechanism !== 'hmac').map(
    (mechanism): Check => ({
      name: `requireAuth(${mechanism}): no credentials, a garbage token`,
      user: true,
      build: (view) => [
        get(user(view, mechanism)),
        get(user(view, mechanism), [['Authorization', 'Bearer abc.def.ghi']]),
      ],
      expect: GUARD_FAILURE[mechanism],
    }),
  ),
  {
    name: 'requireAuth(private-key-jwt): the token with another client’s apikey',
    user: true,
    build: async (view) => {
      const [authorization] = await authHeaders(
        view.target,
        'private-key-jwt',
        partners[view.target.name]!['private-key-jwt'],
      );
      return get(user(view, 'private-key-jwt'), [authorization!, ['apikey', DEMO.privateKeyJwt.apiKey]]);
    },
    expect: INVALID_TOKEN,
  },
]);

/** Fails `count` times with one unknown public id, then returns the request that must get 429. */
async function exhaust(view: View, failing: WireRequest, count = 100): Promise<WireRequest> {
  for (let index = 0; index < count; index += 10) {
    await Promise.all(Array.from({ length: 10 }, () => send(view.target.url, failing)));
  }
  return failing;
}
const retryAfter = (response: WireResponse) =>
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);

defineChecks(
  'failure budgets: 429 with Retry-After in the route’s shape after 100 failures of one credential',
  [
    {
      name: 'hmac (sandbox resource, then requireAuth)',
      build: async (view) => {
        const failing = get('/api/accounts', [
          ['Authorization', hmacHeader({ accessKey: 'budget-probe', secretKey: 'wrong' })],
        ]);
        await exhaust(view, failing);
        return [failing, { ...failing, path: user(view, 'hmac') }];
      },
      expect: (response) => {
        expect(response.status).toBe(429);
        retryAfter(response);
        expect(response.body).toBe('{"code":"429","message":"too many failed attempts, retry later"}');
      },
    },
    {
      name: 'api-key token endpoint',
      build: (view) => exhaust(view, json('/business/auth', { apiKey: 'budget-probe', apiSecret: 'wrong' })),
      expect: (response) => {
        expect(response.status).toBe(429);
        retryAfter(response);
        expect(JSON.parse(response.body)).toMatchObject({ code: 0 });
      },
    },
    {
      name: 'app-token token endpoint',
      build: (view) =>
        exhaust(
          view,
          json('/authorizer/token/application/get', appTokenBody({ application_id: 'budget-probe' })),
        ),
      expect: (response) => {
        retryAfter(response);
        fondy('', 429)(response);
      },
    },
    {
      name: 'private-key-jwt token endpoint',
      build: async (view) => {
        await exhaust(
          view,
          form({
            ...ASSERTION_FORM,
            client_assertion: demoAssertion(view.target, { clientId: 'budget-probe' }),
          }),
        );
        return form({
          ...ASSERTION_FORM,
          client_assertion: demoAssertion(view.target, { clientId: 'budget-probe' }),
        });
      },
      expect: (response) => {
        retryAfter(response);
        expect(response.status).toBe(429);
        expect(JSON.parse(response.body).error).toBe('temporarily_unavailable');
      },
    },
  ],
);

const UNAVAILABLE = {
  hmac: '{"code":"503","message":"service temporarily unavailable, retry later"}',
  'api-key': '{"code":0,"error":"service temporarily unavailable, retry later"}',
};
const unavailable = (response: WireResponse) => {
  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toBe('1');
};
/** Waits until every target's cached credentials have aged past the resolver's freshness bound. */
const outage = (part: 'store' | 'state', down: boolean) => async () => {
  for (const target of Object.values(targets)) target.outage[part] = down;
  await new Promise((resolve) => setTimeout(resolve, down && part === 'store' ? 1300 : 300));
};

describe('store unreachable: 503 with Retry-After in each route’s documented shape', () => {
  beforeAll(outage('store', true));
  afterAll(outage('store', false));
  defineChecks('store down', [
    {
      name: 'hmac: sandbox resource and requireAuth',
      user: true,
      build: (view) => [
        get('/api/accounts', [['Authorization', hmacHeader()]]),
        get(user(view, 'hmac'), [['Authorization', hmacHeader()]]),
      ],
      expect: (response) => {
        unavailable(response);
        expect(response.body).toBe(UNAVAILABLE.hmac);
      },
    },
    {
      name: 'api-key: token endpoint',
      build: () => json('/business/auth', vectors.apiKey.request),
      expect: (response) => {
        unavailable(response);
        expect(response.body).toBe(UNAVAILABLE['api-key']);
      },
    },
    {
      name: 'app-token: token endpoint',
      build: () => json('/authorizer/token/application/get', appTokenBody()),
      expect: (response) => {
        unavailable(response);
        fondy('', 503)(response);
      },
    },
    {
      name: 'private-key-jwt: token endpoint',
      build: (view) => form({ ...ASSERTION_FORM, client_assertion: demoAssertion(view.target) }),
      expect: (response) => {
        unavailable(response);
        expect(JSON.parse(response.body).error).toBe('temporarily_unavailable');
      },
    },
    ...(['app-token', 'private-key-jwt', 'api-key'] as const).map(
      (mechanism): Check => ({
        name: `requireAuth(${mechanism}) with a valid token`,
        user: true,
        build: (view) =>
          get(user(view, mechanism), tokensBeforeOutage.get(`${view.target.name}/${mechanism}`)!),
        expect: unavailable,
      }),
    ),
    {
      name: 'GET /health says degraded',
      build: () => get('/health'),
      compare: 'status',
      expect: (response) => {
        expect(response.status).toBe(503);
        expect(JSON.parse(response.body).status).toBe('degraded');
      },
    },
  ]);
});

describe('shared state unreachable: replay records fail closed, 503 in the OAuth shape', () => {
  beforeAll(outage('state', true));
  afterAll(outage('state', false));
  defineChecks('state down', [
    {
      name: 'private-key-jwt: a valid assertion',
      build: (view) => form({ ...ASSERTION_FORM, client_assertion: demoAssertion(view.target) }),
      expect: (response) => {
        unavailable(response);
        expect(JSON.parse(response.body)).toEqual({
          error: 'temporarily_unavailable',
          error_description: 'service temporarily unavailable, retry later',
        });
      },
    },
  ]);
});

defineChecks('after the outages, everything is served again', [
  {
    name: 'hmac on the sandbox resource and requireAuth',
    user: true,
    // The user route's 200 is the framework's JSON (content types differ), not payauth's.
    compare: false,
    build: (view) => [
      get('/api/accounts', [['Authorization', hmacHeader()]]),
      get(user(view, 'hmac'), [['Authorization', hmacHeader()]]),
    ],
    expect: status(200),
  },
]);

/** Tokens issued while the store was up, used by the 503 checks of the token guards. */
const tokensBeforeOutage = new Map<string, Array<[string, string]>>();
beforeAll(async () => {
  for (const target of Object.values(targets)) {
    for (const mechanism of ['app-token', 'private-key-jwt', 'api-key'] as const) {
      tokensBeforeOutage.set(
        `${target.name}/${mechanism}`,
        await authHeaders(target, mechanism, partners[target.name]![mechanism]),
      );
    }
  }
});
