import {
  decodeClientAssertion,
  HMAC_REJECTION_BODY,
  isRejectionCode,
  parseApiKeyRequest,
  parseAppTokenRequest,
  parseHmacHeader,
  RejectionError,
  rejectionTable,
  renderRejection,
} from '@payauth/core';
import { type AuthRequest, createPayauth, matchRoute, type Payauth, runRoute } from '@payauth/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextOf } from '../../packages/server/src/payauth.ts';
import { startTestServer, type TestServer } from '../support/servers.ts';

// Issue 12: the four request parsers and the four endpoints under random input. Never a 5xx (a 503 needs the store
// or shared state down, which the fuzz never does), never a body outside the documented set, /health still answers.
const PARSER_RUNS = 10_000;
const ENDPOINT_RUNS = 10_000;
const HTTP_RUNS = 400;
const counts: Record<string, number> = {};
const count = (name: string) => {
  counts[name] = (counts[name] ?? 0) + 1;
};

/** A parser may return or throw a RejectionError with a known code; anything else is a bug. */
function parsesOrRejects(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(RejectionError);
    expect(isRejectionCode((error as RejectionError).code)).toBe(true);
  }
}

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length });
const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', ':', '\u0000', 'null', '[]', '{}', '1e999', '\ud800', 'your_api_key', '1234'),
);
const hmacHeader = fc.oneof(
  text,
  fc
    .tuple(
      fc.oneof(text, fc.constantFrom('k1rXpphkRG!2-Fox')),
      fc.oneof(fc.nat().map(String), fc.constant(String(Date.now())), text),
      fc.oneof(fc.constantFrom('1', '2', '01'), text),
      fc.oneof(hex(64), text),
    )
    .map(([key, ts, version, sign]) => `AUTH ${key}:${ts}:${version}:${sign}`),
);
const jsonValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 30 }));
const appTokenBody = fc.oneof(
  text,
  jsonValue.map((value) => JSON.stringify(value) ?? ''),
  fc
    .record(
      {
        application_id: fc.oneof(text, fc.integer(), fc.constant('1234'), jsonValue),
        date: fc.oneof(
          text,
          fc.constant(String(Date.now())),
          fc.string({ minLength: 1020, maxLength: 1030 }),
        ),
        signature: fc.oneof(hex(128), text, jsonValue),
      },
      { requiredKeys: [] },
    )
    .map((body) => JSON.stringify(body)),
);
const jwsPart = fc.oneof(
  text,
  jsonValue.map((value) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url')),
  fc
    .record(
      {
        alg: fc.oneof(fc.constantFrom('RS256', 'none', 'HS256', 'ES256'), text),
        kid: text,
        sub: fc.oneof(fc.constant('emoney-demo-client'), text),
        iss: text,
        aud: text,
        exp: fc.oneof(fc.integer(), text),
        crit: fc.array(text, { maxLength: 2 }),
      },
      { requiredKeys: [] },
    )
    .map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
);
const assertion = fc.oneof(
  text,
  fc.tuple(jwsPart, jwsPart, jwsPart).map((parts) => parts.join('.')),
  fc.array(jwsPart, { maxLength: 5 }).map((parts) => parts.join('.')),
);
const tokenForm = fc
  .record(
    {
      grant_type: fc.oneof(fc.constant('client_credentials'), text),
      client_assertion_type: fc.oneof(
        fc.constant('urn:ietf:params:oauth:client-assertion-type:jwt-bearer'),
        text,
      ),
      client_assertion: assertion,
      scope: fc.oneof(fc.constant('API'), text),
      client_id: text,
      extra: text,
    },
    { requiredKeys: [] },
  )
  .map((form) => new URLSearchParams(form as Record<string, string>).toString());
const apiKeyBody = fc.oneof(
  text,
  jsonValue.map((value) => JSON.stringify(value) ?? ''),
  fc
    .record(
      {
        apiKey: fc.oneof(text, fc.constant('your_api_key'), jsonValue),
        apiSecret: fc.oneof(text, jsonValue),
      },
      { requiredKeys: [] },
    )
    .map((body) => JSON.stringify(body)),
);
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'text/plain',
    'APPLICATION/JSON',
  ),
  text,
  fc.constant(undefined),
);

describe('fuzz: the four request parsers (core)', () => {
  it(`parseHmacHeader, parseAppTokenRequest, decodeClientAssertion, parseApiKeyRequest: ${PARSER_RUNS} cases each`, () => {
    fc.assert(
      fc.property(fc.oneof(hmacHeader, jsonValue), (value) => {
        count('parser hmac');
        parsesOrRejects(() => parseHmacHeader(value));
      }),
      { numRuns: PARSER_RUNS },
    );
    fc.assert(
      fc.property(appTokenBody, (body) => {
        count('parser app-token');
        parsesOrRejects(() => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(body);
          } catch {
            parsed = body;
          }
          return parseAppTokenRequest(parsed);
        });
      }),
      { numRuns: PARSER_RUNS },
    );
    fc.assert(
      fc.property(fc.oneof(assertion, jsonValue), (value) => {
        count('parser private-key-jwt');
        parsesOrRejects(() => decodeClientAssertion(value));
      }),
      { numRuns: PARSER_RUNS },
    );
    fc.assert(
      fc.property(contentType, apiKeyBody, (type, body) => {
        count('parser api-key');
        parsesOrRejects(() => parseApiKeyRequest(type, body));
      }),
      { numRuns: PARSER_RUNS },
    );
  });
});

/** Every body a surface may answer with when it refuses (request ids and Fondy/OAuth messages vary). */
function isDocumentedRefusal(path: string, status: number, body: string): boolean {
  const codes = Object.keys(rejectionTable) as Array<keyof typeof rejectionTable>;
  const messages = new Set<string>(codes.map((code) => rejectionTable[code].publicMessage));
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  switch (path) {
    case '/api/accounts':
      return (
        (status === 401 && body === HMAC_REJECTION_BODY) ||
        codes.some((code) => {
          const rendered = renderRejection('hmac', code);
          return rendered.status === status && rendered.body === body;
        })
      );
    case '/business/auth':
      return codes.some((code) => {
        const rendered = renderRejection('api-key', code);
        return rendered.status === status && rendered.body === body;
      });
    case '/authorizer/token/application/get':
      return (
        Object.keys(parsed).join() === 'error_code,error_message,request_id' &&
        parsed.error_code === status &&
        [403, 429].includes(status) &&
        typeof parsed.error_message === 'string' &&
        (messages.has(parsed.error_message) ||
          /^(Invalid request parameters|Parameter \w+ )/.test(parsed.error_message)) &&
        /^[A-Za-z0-9]{16}$/.test(String(parsed.request_id))
      );
    case '/connect/token': {
      const oauth = new Set(
        codes
          .map((code) => rejectionTable[code as keyof typeof rejectionTable])
          .flatMap((e) => ('oauthError' in e ? [e.oauthError] : [])),
      );
      return (
        Object.keys(parsed).join() === 'error,error_description' &&
        oauth.has(parsed.error as never) &&
        [400, 401, 429].includes(status) &&
        typeof parsed.error_description === 'string' &&
        parsed.error_description.length <= 200
      );
    }
    default:
      return false;
  }
}

type FuzzRequest = {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string | string[]>;
  body?: string;
};

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc
    .tuple(fc.oneof(hmacHeader, fc.array(hmacHeader, { minLength: 2, maxLength: 2 })), fc.boolean())
    .map(([authorization, present]) => ({
      method: 'GET' as const,
      path: '/api/accounts',
      headers: (present ? { authorization } : {}) as Record<string, string | string[]>,
    })),
  fc.tuple(contentType, appTokenBody).map(([type, body]) => ({
    method: 'POST' as const,
    path: '/authorizer/token/application/get',
    headers: (type === undefined ? {} : { 'content-type': type }) as Record<string, string>,
    body,
  })),
  fc
    .tuple(
      fc.oneof(fc.constant('application/x-www-form-urlencoded'), contentType),
      tokenForm,
      fc.option(text),
    )
    .map(([type, body, authorization]) => ({
      method: 'POST' as const,
      path: '/connect/token',
      headers: {
        ...(type === undefined ? {} : { 'content-type': type }),
        ...(authorization === null ? {} : { authorization }),
      } as Record<string, string>,
      body,
    })),
  fc.tuple(fc.oneof(fc.constant('application/json'), contentType), apiKeyBody).map(([type, body]) => ({
    method: 'POST' as const,
    path: '/business/auth',
    headers: (type === undefined ? {} : { 'content-type': type }) as Record<string, string>,
    body,
  })),
);

describe('fuzz: the four endpoints', () => {
  let payauth: Payauth;
  beforeAll(async () => {
    payauth = await createPayauth({
      store: ':memory:',
      demo: true,
      demoDirectory: (await import('node:os')).tmpdir(),
      sandbox: true,
      hints: false,
      failureBudget: {
        perCredential: { limit: 1_000_000, windowMs: 60_000 },
        perAddress: { limit: 1_000_000, windowMs: 60_000 },
      },
    });
  });
  afterAll(() => payauth.close());

  it(`${ENDPOINT_RUNS} requests in process through the route table: documented answers only, /health still 200`, async () => {
    let index = 0;
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (request) => {
        const match = matchRoute(payauth.routes, request.method, request.path)!;
        const neutral: AuthRequest = {
          method: request.method,
          path: request.path,
          headers: request.headers,
          query: {},
          address: `10.1.${(index >> 8) & 255}.${index++ & 255}`,
          requestId: 'fuzz000000000000',
          ...(request.body === undefined ? {} : { body: request.body }),
        };
        const response = await runRoute(contextOf(payauth), match.route, neutral);
        count(`endpoint ${request.path} ${response.status}`);
        expect(response.status).toBeLessThan(500);
        if (response.status !== 200)
          expect([
            request.path,
            response.status,
            response.body,
            isDocumentedRefusal(request.path, response.status, response.body),
          ]).toEqual([request.path, response.status, response.body, true]);
      }),
      { numRuns: ENDPOINT_RUNS },
    );
    const health = matchRoute(payauth.routes, 'GET', '/health')!;
    const answer = await runRoute(contextOf(payauth), health.route, {
      method: 'GET',
      path: '/health',
      headers: {},
      query: {},
      address: '127.0.0.1',
      requestId: 'fuzz000000000001',
    });
    expect(answer.status).toBe(200);
  });
});

describe('fuzz: a sample over real HTTP (payauth serve)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      failureBudget: {
        perCredential: { limit: 1_000_000, windowMs: 60_000 },
        perAddress: { limit: 1_000_000, windowMs: 60_000 },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    console.log(`[fuzz] ${JSON.stringify(counts)}`);
  });

  // Header values a client can send at all: visible latin1 and spaces, no CR/LF.
  const sendable = (value: string) => /^[\x20-\x7e\xa0-\xff]*$/.test(value) && value.trim() === value;

  it(`${HTTP_RUNS} requests over HTTP: never a 5xx, documented answers only, /health still 200`, async () => {
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (request) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(request.headers)) {
          for (const each of Array.isArray(value) ? value : [value]) {
            if (!sendable(each)) return;
            headers.append(name, each);
          }
        }
        const response = await fetch(`${t.url}${request.path}`, {
          method: request.method,
          headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        });
        const body = await response.text();
        count(`http ${request.path} ${response.status}`);
        expect(response.status).toBeLessThan(500);
        if (response.status !== 200)
          expect([request.path, body, isDocumentedRefusal(request.path, response.status, body)]).toEqual([
            request.path,
            body,
            true,
          ]);
      }),
      { numRuns: HTTP_RUNS },
    );
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });
});
