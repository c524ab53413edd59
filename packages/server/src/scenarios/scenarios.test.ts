import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createClientAssertion,
  decodeClientAssertion,
  formatHmacHeader,
  HMAC_REJECTION_BODY,
  type Mechanism,
  signAppToken,
} from '@payauth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, payauthHandler } from '../adapters/fetch.ts';
import { DEMO } from '../demo/seed.ts';
import { contextOf, createPayauth, type Payauth } from '../payauth.ts';
import { type ScenarioName, scenarioNames } from './catalog.ts';

const ISSUER = 'http://127.0.0.1:9';
const ADMIN_TOKEN = 'scenario-admin-token-0123456789';
// A fixed clock: every Date header, token time and hmac window is exact.
const NOW = Math.floor(Date.now() / 1000) * 1000;
const JSON_TYPE = 'application/json; charset=utf-8';

let payauth: Payauth;
let handle: (request: Request) => Promise<Response | undefined>;

beforeAll(async () => {
  payauth = await createPayauth({
    store: ':memory:',
    issuer: ISSUER,
    demo: true,
    demoDirectory: mkdtempSync(join(tmpdir(), 'payauth-scenarios-')),
    now: () => NOW,
    admin: { token: ADMIN_TOKEN },
  });
  handle = payauthHandler(payauth, { address: () => '127.0.0.1' });
});
afterAll(async () => {
  await payauth?.close();
});

/** An answer as it went on the wire. */
interface Wire {
  status: number;
  headers: Headers;
  body: string;
}

async function send(request: Request): Promise<Wire> {
  const response = (await handle(request))!;
  return { status: response.status, headers: response.headers, body: await response.text() };
}

function assertion(): string {
  const demo = payauth.demo!['private-key-jwt'];
  return createClientAssertion({
    clientId: demo.clientId,
    privateKey: createPrivateKey(readFileSync(demo.keyPath)),
    certificate: new X509Certificate(readFileSync(demo.certificatePath)),
    audience: `${ISSUER}/connect/token`,
    now: NOW,
  });
}

/** A token request of the demo credential that succeeds when no scenario applies. */
function tokenRequest(mechanism: Exclude<Mechanism, 'hmac'>, scenario?: string): Request {
  const headers: Record<string, string> = scenario === undefined ? {} : { 'payauth-scenario': scenario };
  if (mechanism === 'app-token') {
    const date = 'any date';
    const body = JSON.stringify({
      application_id: DEMO.appToken.applicationId,
      date,
      signature: signAppToken({ ...DEMO.appToken, date }),
    });
    return new Request(`${ISSUER}/authorizer/token/application/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  }
  if (mechanism === 'api-key') {
    return new Request(`${ISSUER}/business/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(DEMO.apiKey),
    });
  }
  return new Request(`${ISSUER}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion(),
      scope: 'API',
    }).toString(),
  });
}

const tokens: Partial<Record<Mechanism, string>> = {};

async function tokenOf(mechanism: Exclude<Mechanism, 'hmac'>): Promise<string> {
  if (tokens[mechanism] === undefined) {
    const answer = await send(tokenRequest(mechanism));
    expect(answer.status, answer.body).toBe(200);
    const body = JSON.parse(answer.body) as Record<string, string>;
    tokens[mechanism] = body.token ?? body.access_token ?? body.accessToken;
  }
  return tokens[mechanism]!;
}

/** The headers that present each mechanism's demo credential on its sandbox resource. */
async function credentialHeaders(mechanism: Mechanism): Promise<Record<string, string>> {
  if (mechanism === 'hmac') return { authorization: formatHmacHeader({ ...DEMO.hmac, timestamp: NOW }) };
  const token = await tokenOf(mechanism);
  return mechanism === 'private-key-jwt'
    ? { authorization: `Bearer ${token}`, apikey: DEMO.privateKeyJwt.apiKey }
    : { authorization: `Bearer ${token}` };
}

/** The sandbox resource of each mechanism (an app-token token is accepted on API-money's accounts). */
const RESOURCE: Record<Mechanism, string> = {
  hmac: '/api/accounts',
  'app-token': '/api/accounts',
  'private-key-jwt': '/public/v1/users',
  'api-key': '/business/balance?currency=USD',
};

async function resourceRequest(mechanism: Mechanism, scenario?: string): Promise<Request> {
  return new Request(`${ISSUER}${RESOURCE[mechanism]}`, {
    headers: {
      ...(await credentialHeaders(mechanism)),
      ...(scenario ? { 'payauth-scenario': scenario } : {}),
    },
  });
}

/** What an answer must be: status, the headers that matter, and the body (`{id}` stands for the request id). */
interface Expected {
  status: number;
  headers?: Record<string, string | null>;
  body: string;
}

const ID = '{id}';

/** The documented answer of each refusing scenario, per error shape. */
function refusal(scenario: ScenarioName, surface: string): Expected | undefined {
  const texts: Record<string, [number, string, string]> = {
    'rate-limited': [429, 'too many failed attempts, retry later', 'temporarily_unavailable'],
    unavailable: [503, 'service temporarily unavailable, retry later', 'temporarily_unavailable'],
    'server-error': [500, 'internal server error', 'server_error'],
  };
  const entry = texts[scenario];
  if (entry === undefined) return undefined;
  const [status, message, oauth] = entry;
  const headers = status === 500 ? { 'retry-after': null } : { 'retry-after': '1' };
  const bodies: Record<string, string> = {
    hmac: JSON.stringify({ code: String(status), message }),
    'app-token': `{"error_code":${status},"error_message":"${message}","request_id":"${ID}"}`,
    'private-key-jwt': JSON.stringify({ error: oauth, error_description: message }),
    bearer: JSON.stringify({ error: oauth, error_description: message }),
    'api-key': JSON.stringify({ code: 0, error: message }),
  };
  return { status, headers, body: bodies[surface]! };
}

const TOKEN_SURFACE = {
  'app-token': 'app-token',
  'private-key-jwt': 'private-key-jwt',
  'api-key': 'api-key',
};
const RESOURCE_SURFACE: Record<Mechanism, string> = {
  hmac: 'hmac',
  'app-token': 'hmac',
  'private-key-jwt': 'bearer',
  'api-key': 'api-key',
};

/** Each scenario's answer at a token endpoint, or `'normal'` when it does not apply there. */
function atTokenEndpoint(scenario: ScenarioName, mechanism: Exclude<Mechanism, 'hmac'>): Expected | 'normal' {
  const refused = refusal(scenario, TOKEN_SURFACE[mechanism]);
  if (refused) return refused;
  switch (scenario) {
    case 'credential-revoked':
      return {
        'app-token': {
          status: 403,
          body: `{"error_code":403,"error_message":"Application revoked","request_id":"${ID}"}`,
        },
        'private-key-jwt': {
          status: 401,
          body: '{"error":"invalid_client","error_description":"client authentication failed"}',
        },
        'api-key': { status: 401, body: '{"code":0,"error":"credential revoked"}' },
      }[mechanism];
    case 'malformed-token':
      return {
        'app-token': { status: 200, body: `{"request_id":"${ID}","expires_in":3602}` },
        'private-key-jwt': { status: 200, body: '{"token_type":"Bearer","expires_in":3600,"scope":"API"}' },
        'api-key': { status: 200, body: '{"expiresIn":3600}' },
      }[mechanism];
    case 'token-expired':
      return 'normal';
    case 'clock-skew':
      // 600 s ahead, the 5-minute client assertion has expired: the client must learn the offset from `Date`.
      return mechanism === 'private-key-jwt'
        ? {
            status: 401,
            body: '{"error":"invalid_client","error_description":"client authentication failed"}',
          }
        : { status: 200, body: '<token>' };
    default:
      // slow, clock-skew, key-rotated: the usual token, marked as shaped by the scenario.
      return { status: 200, body: '<token>' };
  }
}

/** Each scenario's answer on a sandbox resource, or `'normal'` when it does not apply there. */
function atResource(scenario: ScenarioName, mechanism: Mechanism): Expected | 'normal' {
  const surface = RESOURCE_SURFACE[mechanism];
  const refused = refusal(scenario, surface);
  if (refused) return refused;
  switch (scenario) {
    case 'token-expired':
      if (mechanism === 'hmac') return 'normal';
      return {
        'app-token': { status: 401, body: HMAC_REJECTION_BODY },
        'private-key-jwt': {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="token expired"' },
          body: '{"error":"invalid_token","error_description":"token expired"}',
        },
        'api-key': { status: 401, body: '{"code":0,"error":"invalid token"}' },
      }[mechanism];
    case 'credential-revoked':
      return mechanism === 'hmac' ? { status: 401, body: HMAC_REJECTION_BODY } : 'normal';
    case 'clock-skew':
      // 600 s ahead: the hmac header is past its 5-minute window; a token still has most of its hour.
      return mechanism === 'hmac'
        ? { status: 401, body: HMAC_REJECTION_BODY }
        : { status: 200, body: '<resource>' };
    case 'slow':
      return { status: 200, body: '<resource>' };
    default:
      // malformed-token and key-rotated concern token endpoints and the JWKS only.
      return 'normal';
  }
}

/** The header that names each scenario in the table (bounded values, so the table runs fast). */
const HEADER: Record<ScenarioName, string> = {
  'token-expired': 'token-expired',
  'credential-revoked': 'credential-revoked',
  'rate-limited': 'rate-limited',
  unavailable: 'unavailable; retry-after=1',
  'server-error': 'server-error',
  slow: 'slow; ms=5',
  'clock-skew': 'clock-skew; seconds=600',
  'malformed-token': 'malformed-token',
  'key-rotated': 'key-rotated',
};

function check(answer: Wire, expected: Expected, scenario: ScenarioName): void {
  expect(answer.status, answer.body).toBe(expected.status);
  expect(answer.headers.get('payauth-scenario-applied')).toBe(scenario);
  expect(answer.headers.get('content-type')).toBe(JSON_TYPE);
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    expect(answer.headers.get(name), name).toBe(value);
  }
  if (expected.body.startsWith('<')) return;
  const requestId = /"request_id":"([A-Za-z0-9]{16})"/.exec(answer.body)?.[1] ?? ID;
  expect(answer.body).toBe(expected.body.replace(ID, requestId));
}

describe('every scenario × every mechanism, through the Payauth-Scenario header', () => {
  const tokenMechanisms = ['app-token', 'private-key-jwt', 'api-key'] as const;
  for (const scenario of scenarioNames) {
    for (const mechanism of tokenMechanisms) {
      it(`${scenario} at the ${mechanism} token endpoint`, async () => {
        const expected = atTokenEndpoint(scenario, mechanism);
        const answer = await send(tokenRequest(mechanism, HEADER[scenario]));
        if (expected === 'normal') {
          expect(answer.status).toBe(200);
          expect(answer.headers.get('payauth-scenario-applied')).toBeNull();
          return;
        }
        check(answer, expected, scenario);
        if (expected.body === '<token>') {
          const body = JSON.parse(answer.body) as Record<string, string>;
          const token = body.token ?? body.access_token ?? body.accessToken;
          const { header, payload } = decodeClientAssertion(token);
          if (scenario === 'clock-skew') {
            expect(payload.iat).toBe(NOW / 1000 + 600);
            expect(answer.headers.get('date')).toBe(new Date(NOW + 600_000).toUTCString());
          }
          if (scenario === 'key-rotated') expect(header.kid).toBe(contextOf(payauth).issuer.signingKid);
        }
      });
    }
    for (const mechanism of ['hmac', 'app-token', 'private-key-jwt', 'api-key'] as const) {
      it(`${scenario} on the ${mechanism} resource`, async () => {
        const expected = atResource(scenario, mechanism);
        const answer = await send(await resourceRequest(mechanism, HEADER[scenario]));
        if (expected === 'normal') {
          expect(answer.status, answer.body).toBe(200);
          expect(answer.headers.get('payauth-scenario-applied')).toBeNull();
          return;
        }
        check(answer, expected, scenario);
        if (scenario === 'clock-skew') {
          expect(answer.headers.get('date')).toBe(new Date(NOW + 600_000).toUTCString());
        }
      });
    }
  }

  it('key-rotated at the JWKS: the new signing key and the old one are both published', async () => {
    const before = contextOf(payauth).issuer.signingKid;
    const answer = await send(
      new Request(`${ISSUER}/.well-known/jwks.json`, { headers: { 'payauth-scenario': 'key-rotated' } }),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('payauth-scenario-applied')).toBe('key-rotated');
    const kids = (JSON.parse(answer.body) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);
    expect(contextOf(payauth).issuer.signingKid).not.toBe(before);
    expect(kids).toContain(before);
    expect(kids).toContain(contextOf(payauth).issuer.signingKid);
  });
});

describe("your own routes' guards (requireAuth, authenticate) play the same scenarios", () => {
  it('answers each refusing scenario in the guard’s shape, marked', async () => {
    const guarded = async (mechanism: Mechanism, scenario: string) => {
      const request = await resourceRequest(mechanism, scenario);
      const result = await authenticate(payauth, mechanism, request, { address: () => '127.0.0.1' });
      if (result.ok) return undefined;
      return {
        status: result.response.status,
        headers: result.response.headers,
        body: await result.response.text(),
      };
    };
    // Fondy's own shape on an app-token guard (the sandbox's accounts answer API-money's).
    const expired = (await guarded('app-token', 'token-expired'))!;
    expect(expired.status).toBe(403);
    expect(expired.headers.get('payauth-scenario-applied')).toBe('token-expired');
    expect(expired.body).toMatch(
      /^\{"error_code":403,"error_message":"token expired","request_id":"[A-Za-z0-9]{16}"\}$/,
    );
    const limited = (await guarded('private-key-jwt', 'rate-limited; retry-after=7'))!;
    expect([limited.status, limited.headers.get('retry-after'), limited.body]).toEqual([
      429,
      '7',
      '{"error":"temporarily_unavailable","error_description":"too many failed attempts, retry later"}',
    ]);
    const revoked = (await guarded('hmac', 'credential-revoked'))!;
    expect([revoked.status, revoked.body]).toEqual([401, HMAC_REJECTION_BODY]);
    // A scenario that does not refuse leaves a passing guard passing.
    expect(await guarded('api-key', 'slow; ms=1')).toBeUndefined();
    expect(await guarded('api-key', 'malformed-token')).toBeUndefined();
  });
});

describe('a Payauth-Scenario header that cannot be honoured', () => {
  const invalid = (message: string) => JSON.stringify({ error: 'invalid_scenario', message });
  it.each([
    [
      'an unknown name',
      'teapot',
      invalid(
        'unknown scenario; one of token-expired, credential-revoked, rate-limited, unavailable, server-error, slow, clock-skew, malformed-token, key-rotated',
      ),
    ],
    [
      'an empty value',
      '',
      invalid(
        'unknown scenario; one of token-expired, credential-revoked, rate-limited, unavailable, server-error, slow, clock-skew, malformed-token, key-rotated',
      ),
    ],
    ['an unknown parameter', 'rate-limited; ms=5', invalid('rate-limited takes only "retry-after"')],
    ['a parameter where none is taken', 'server-error; x=1', invalid('server-error takes no parameter')],
    [
      'a value out of bounds',
      'slow; ms=999999',
      invalid('slow: "ms" must be a whole number of milliseconds from 0 to 30000'),
    ],
    [
      'a value that is not a number',
      'slow; ms=fast',
      invalid('Payauth-Scenario: parameters are "; key=whole number"'),
    ],
    ['a parameter given twice', 'slow; ms=1; ms=2', invalid('Payauth-Scenario: a parameter given twice')],
    ['a huge value', `slow; ms=1${'0'.repeat(400)}`, invalid('Payauth-Scenario longer than 256 characters')],
  ])('%s is a 400 invalid_scenario that never echoes the value', async (_case, value, body) => {
    const answer = await send(tokenRequest('api-key', value));
    expect(answer.status).toBe(400);
    expect(answer.headers.get('payauth-scenario-applied')).toBeNull();
    expect(answer.body).toBe(body);
  });

  it('never answers 5xx from parsing: 300 random values are each a 400 or a scenario played', async () => {
    const alphabet = ` ;=-+0123456789abcdefghijklmnopqrstuvwxyz\u00e9\u00ff\t${scenarioNames.join(';')}`;
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 300; round++) {
      const length = Math.floor(random() * 80);
      let value = '';
      for (let index = 0; index < length; index++) value += alphabet[Math.floor(random() * alphabet.length)];
      value = value.trim();
      const answer = await send(tokenRequest('api-key', value));
      const applied = answer.headers.get('payauth-scenario-applied');
      if (applied === null) expect([200, 400], JSON.stringify(value)).toContain(answer.status);
      else expect(scenarioNames, JSON.stringify(value)).toContain(applied);
      if (answer.status >= 500)
        expect(applied, JSON.stringify(value)).toMatch(/^(server-error|unavailable)$/);
    }
  });

  it('is refused when sent twice', async () => {
    const request = tokenRequest('api-key');
    request.headers.append('payauth-scenario', 'slow');
    request.headers.append('payauth-scenario', 'server-error');
    // fetch joins a repeated header with ", ": the joined value is not a scenario.
    const answer = await send(request);
    expect(answer.status).toBe(400);
  });

  it('is ignored on routes that are no scenario point (metadata, health)', async () => {
    const answer = await send(
      new Request(`${ISSUER}/.well-known/oauth-authorization-server`, {
        headers: { 'payauth-scenario': 'teapot' },
      }),
    );
    expect(answer.status).toBe(200);
  });
});

describe('outside sandbox mode', () => {
  it('ignores the header and serves no scenario route', async () => {
    const plain = await createPayauth({
      store: ':memory:',
      issuer: ISSUER,
      sandbox: true,
      admin: { token: ADMIN_TOKEN },
    });
    try {
      expect(plain.scenarios).toBeUndefined();
      const created = await plain.credentials.create('api-key');
      const plainHandle = payauthHandler(plain, { address: () => '127.0.0.1' });
      for (const scenario of [...scenarioNames, 'teapot']) {
        const answer = (await plainHandle(
          new Request(`${ISSUER}/business/auth`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'payauth-scenario': scenario },
            body: JSON.stringify({ apiKey: created.apiKey, apiSecret: created.apiSecret }),
          }),
        ))!;
        expect(answer.status, scenario).toBe(200);
        expect(answer.headers.get('payauth-scenario-applied')).toBeNull();
      }
      for (const method of ['GET', 'POST', 'DELETE']) {
        const path = method === 'DELETE' ? '/admin/api/scenarios/scn_x' : '/admin/api/scenarios';
        const answer = await plainHandle(
          new Request(`${ISSUER}${path}`, {
            method,
            headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
            ...(method === 'POST' ? { body: '{"scenario":"server-error"}' } : {}),
          }),
        );
        // Not one of payauth's routes: the fetch adapter hands it back (payauth serve answers 404).
        expect(answer, `${method} ${path}`).toBeUndefined();
      }
    } finally {
      await plain.close();
    }
  });
});

describe('credential-revoked answers what a revoked credential really gets', () => {
  it('is byte for byte the answer of a credential revoked for real, at each token endpoint and the hmac guard', async () => {
    const hmac = await payauth.credentials.create('hmac');
    const appToken = await payauth.credentials.create('app-token');
    const apiKey = await payauth.credentials.create('api-key');
    const emoney = await payauth.credentials.create('private-key-jwt');
    const requests: Record<string, () => Request> = {
      hmac: () =>
        new Request(`${ISSUER}/api/accounts`, {
          headers: {
            authorization: formatHmacHeader({
              accessKey: hmac.accessKey!,
              secretKey: hmac.secretKey!,
              timestamp: NOW,
            }),
          },
        }),
      'app-token': () => {
        const date = 'revoked?';
        const applicationId = appToken.applicationId!;
        return new Request(`${ISSUER}/authorizer/token/application/get`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            application_id: applicationId,
            date,
            signature: signAppToken({ applicationId, secretKey: appToken.secretKey!, date }),
          }),
        });
      },
      'api-key': () =>
        new Request(`${ISSUER}/business/auth`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ apiKey: apiKey.apiKey, apiSecret: apiKey.apiSecret }),
        }),
      'private-key-jwt': () =>
        new Request(`${ISSUER}/connect/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: createClientAssertion({
              clientId: emoney.clientId!,
              privateKey: createPrivateKey(emoney.privateKeyPem!),
              certificate: new X509Certificate(emoney.certificatePem!),
              audience: `${ISSUER}/connect/token`,
              now: NOW,
            }),
            scope: 'API',
          }).toString(),
        }),
    };
    const played: Record<string, Wire> = {};
    for (const [name, build] of Object.entries(requests)) {
      const request = build();
      request.headers.set('payauth-scenario', 'credential-revoked');
      played[name] = await send(request);
      expect(played[name]!.headers.get('payauth-scenario-applied'), name).toBe('credential-revoked');
    }
    for (const credential of [hmac, appToken, apiKey, emoney])
      await payauth.credentials.revoke(credential.id!);
    contextOf(payauth).resolver.clear();
    const blank = (body: string) => body.replace(/"request_id":"[A-Za-z0-9]{16}"/, '"request_id":"<id>"');
    for (const [name, build] of Object.entries(requests)) {
      const real = await send(build());
      expect([real.status, blank(real.body)], name).toEqual([
        played[name]!.status,
        blank(played[name]!.body),
      ]);
    }
  });
});
