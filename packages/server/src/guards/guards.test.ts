import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import {
  createClientAssertion,
  formatHmacHeader,
  HMAC_REJECTION_BODY,
  type Mechanism,
  signAppToken,
} from '@payauth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyEndpoint } from '../endpoints/api-key.ts';
import { createAppTokenEndpoint } from '../endpoints/app-token.ts';
import { createPrivateKeyJwtEndpoint } from '../endpoints/private-key-jwt.ts';
import type { AuthRequest } from '../http/types.ts';
import { contextOf, createPayauth, type Payauth } from '../payauth.ts';
import type { RejectionEvent } from '../rejection-events.ts';
import { StoreUnavailableError } from '../store/errors.ts';
import { SqliteStore } from '../store/sqlite.ts';
import { assertMechanism, createGuards } from './authenticate.ts';

// The four guards as neutral functions: headers in, a principal or the mechanism's documented answer out, no HTTP.

let payauth: Payauth;
let created: Record<Mechanism, Record<string, string>>;
const tokens: Partial<Record<Mechanism, string>> = {};

function authRequest(headers: AuthRequest['headers']): AuthRequest {
  return {
    method: 'GET',
    path: '/resource',
    headers,
    query: {},
    address: '203.0.113.9',
    requestId: 'AAAAAAAAAAAAAAAA',
  };
}
const hmacHeaders = (credential = created.hmac, secretKey = credential.secretKey!) => ({
  authorization: formatHmacHeader({ accessKey: credential.accessKey!, secretKey, timestamp: Date.now() }),
});
const bearer = (mechanism: Mechanism): AuthRequest['headers'] => ({
  authorization: `Bearer ${tokens[mechanism]}`,
  ...(mechanism === 'private-key-jwt' ? { apikey: created['private-key-jwt'].apiKey } : {}),
});

beforeAll(async () => {
  payauth = await createPayauth({ store: ':memory:', issuer: 'https://api.example.test', hints: true });
  const create = (mechanism: Mechanism) => payauth.credentials.create(mechanism, { partner: 'acme' });
  created = {
    hmac: await create('hmac'),
    'app-token': await create('app-token'),
    'private-key-jwt': await create('private-key-jwt'),
    'api-key': await create('api-key'),
  };
  // Tokens as the endpoints issue them.
  const { apiKey, apiSecret } = created['api-key'];
  const apiKeyAnswer = await createApiKeyEndpoint(contextOf(payauth))({
    ...authRequest({ 'content-type': 'application/json' }),
    method: 'POST',
    body: JSON.stringify({ apiKey, apiSecret }),
  });
  tokens['api-key'] = JSON.parse(apiKeyAnswer.body).accessToken;
  const application = created['app-token'];
  const appTokenAnswer = await createAppTokenEndpoint(contextOf(payauth))({
    ...authRequest({ 'content-type': 'application/json' }),
    method: 'POST',
    body: JSON.stringify({
      application_id: application.applicationId,
      date: 'any',
      signature: signAppToken({
        secretKey: application.secretKey!,
        applicationId: application.applicationId!,
        date: 'any',
      }),
    }),
  });
  tokens['app-token'] = JSON.parse(appTokenAnswer.body).token;
  const client = created['private-key-jwt'];
  const assertion = createClientAssertion({
    clientId: client.clientId!,
    privateKey: createPrivateKey(client.privateKeyPem!),
    certificate: new X509Certificate(client.certificatePem!),
    audience: 'https://api.example.test/connect/token',
  });
  const privateKeyJwtAnswer = await createPrivateKeyJwtEndpoint(contextOf(payauth))({
    ...authRequest({ 'content-type': 'application/x-www-form-urlencoded' }),
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: 'API',
    }).toString(),
  });
  tokens['private-key-jwt'] = JSON.parse(privateKeyJwtAnswer.body).access_token;
});
afterAll(() => payauth.close());

describe('each guard accepts its own mechanism and gives the principal', () => {
  const publicIdField = {
    hmac: 'accessKey',
    'app-token': 'applicationId',
    'private-key-jwt': 'clientId',
    'api-key': 'apiKey',
  } as const;
  for (const mechanism of ['hmac', 'app-token', 'private-key-jwt', 'api-key'] as const) {
    it(mechanism, async () => {
      const guards = createGuards(contextOf(payauth));
      const headers = mechanism === 'hmac' ? hmacHeaders() : bearer(mechanism);
      const result = await guards[mechanism](authRequest(headers));
      expect(result).toEqual({
        ok: true,
        principal: {
          mechanism,
          credentialId: created[mechanism].id,
          partnerId: 'acme',
          publicId: created[mechanism][publicIdField[mechanism]],
        },
      });
    });
  }
});

describe("a guard refuses the other mechanisms' credentials, in its own documented shape", () => {
  const shapes: Record<Mechanism, (status: number, body: string, headers: Record<string, string>) => void> = {
    hmac: (status, body) => {
      expect(status).toBe(401);
      expect(body).toBe(HMAC_REJECTION_BODY);
    },
    'app-token': (status, body) => {
      expect(status).toBe(403);
      expect(Object.keys(JSON.parse(body))).toEqual(['error_code', 'error_message', 'request_id']);
    },
    'private-key-jwt': (status, body, headers) => {
      expect(status).toBe(401);
      expect(JSON.parse(body).error).toBe('invalid_token');
      expect(headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    },
    'api-key': (status, body) => {
      expect(status).toBe(401);
      expect(body).toBe('{"code":0,"error":"invalid token"}');
    },
  };
  const all = ['hmac', 'app-token', 'private-key-jwt', 'api-key'] as const;
  for (const guarded of all) {
    for (const other of all.filter((mechanism) => mechanism !== guarded)) {
      it(`${guarded} refuses ${other}`, async () => {
        const headers = other === 'hmac' ? hmacHeaders() : bearer(other);
        const result = await payauth.authenticate(guarded, authRequest(headers));
        expect(result.ok).toBe(false);
        if (result.ok) return;
        shapes[guarded](result.response.status, result.response.body, result.response.headers);
      });
    }
  }
});

describe('hmac guard', () => {
  it('refuses two Authorization headers even when both are valid', async () => {
    const one = hmacHeaders().authorization;
    const result = await createGuards(contextOf(payauth)).hmac(authRequest({ authorization: [one, one] }));
    expect(result.ok).toBe(false);
  });

  it('names the cause in the hint and tells the rejection listeners, never the secret', async () => {
    const events: RejectionEvent[] = [];
    const stop = payauth.onRejection((event) => events.push(event));
    const result = await payauth.authenticate('hmac', authRequest(hmacHeaders(created.hmac, 'wrong')));
    stop();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.headers['payauth-hint']).toMatch(/^ERR_HMAC_SIGNATURE_MISMATCH/);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      mechanism: 'hmac',
      code: 'ERR_HMAC_SIGNATURE_MISMATCH',
      publicId: created.hmac.accessKey,
      requestId: 'AAAAAAAAAAAAAAAA',
    });
    expect(JSON.stringify(events)).not.toContain(created.hmac.secretKey);
  });
});

describe('private-key-jwt guard', () => {
  it('needs the apikey of the same client', async () => {
    const guards = createGuards(contextOf(payauth));
    const token = `Bearer ${tokens['private-key-jwt']}`;
    for (const apikey of [undefined, 'wrong', created['api-key'].apiKey]) {
      const result = await guards['private-key-jwt'](
        authRequest({ authorization: token, ...(apikey === undefined ? {} : { apikey }) }),
      );
      expect(result.ok).toBe(false);
    }
  });
});

describe('payauth.authenticate', () => {
  it('refuses a mechanism name that does not exist, with a coded TypeError', () => {
    expect(() => assertMechanism('basic')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });

  it('a revoked credential is refused once the store is polled', async () => {
    const own = await createPayauth({ store: ':memory:', issuer: 'https://api.example.test' });
    try {
      const credential = await own.credentials.create('hmac', { partner: 'acme' });
      const request = () => authRequest(hmacHeaders(credential));
      expect((await own.authenticate('hmac', request())).ok).toBe(true);
      await own.credentials.revoke(credential.id!);
      await contextOf(own).resolver.poll();
      expect((await own.authenticate('hmac', request())).ok).toBe(false);
    } finally {
      await own.close();
    }
  });

  it('after the failure budget, 429 with Retry-After in the mechanism shape, even for a correct request', async () => {
    const own = await createPayauth({
      store: ':memory:',
      failureBudget: { perCredential: { limit: 2, windowMs: 60_000 } },
    });
    try {
      const credential = await own.credentials.create('hmac');
      for (let attempt = 0; attempt < 2; attempt++) {
        await own.authenticate('hmac', authRequest(hmacHeaders(credential, 'wrong')));
      }
      const result = await own.authenticate('hmac', authRequest(hmacHeaders(credential)));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.response.status).toBe(429);
      expect(Number(result.response.headers['retry-after'])).toBeGreaterThan(0);
      expect(result.response.body).toBe('{"code":"429","message":"too many failed attempts, retry later"}');
    } finally {
      await own.close();
    }
  });

  it('with the store unreachable, 503 with Retry-After in the mechanism shape; never throws', async () => {
    const store = new SqliteStore(':memory:');
    await store.migrate();
    let down = false;
    const unreachable = new Proxy(store, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          down && property !== 'close'
            ? Promise.reject(new StoreUnavailableError('test outage'))
            : value.apply(target, args);
      },
    });
    const own = await createPayauth({
      store: unreachable,
      masterKey: randomBytes(32),
      issuer: 'https://api.example.test',
    });
    try {
      down = true;
      const hmac = await own.authenticate(
        'hmac',
        authRequest({
          authorization: formatHmacHeader({ accessKey: 'k', secretKey: 's', timestamp: Date.now() }),
        }),
      );
      expect(hmac.ok).toBe(false);
      if (hmac.ok) return;
      expect(hmac.response.status).toBe(503);
      expect(hmac.response.headers['retry-after']).toBe('1');
      expect(hmac.response.body).toBe(
        '{"code":"503","message":"service temporarily unavailable, retry later"}',
      );
    } finally {
      down = false;
      await own.close();
      await store.close();
    }
  });
});

describe('payauth.guard: the same verdicts as authenticate, without a promise when nothing waits', () => {
  it('answers at once for a cached credential or token, and a refusal still carries the documented body', async () => {
    for (const mechanism of ['hmac', 'api-key', 'private-key-jwt', 'app-token'] as const) {
      const headers = mechanism === 'hmac' ? hmacHeaders() : bearer(mechanism);
      // The first call may load the credential from the store; from then on the cache answers.
      await payauth.authenticate(mechanism, authRequest(headers));
      const check = payauth.guard(mechanism);
      const again = mechanism === 'hmac' ? hmacHeaders() : headers;
      const result = check(authRequest(again));
      expect({ mechanism, promise: result instanceof Promise }).toEqual({ mechanism, promise: false });
      expect(result).toEqual(await payauth.authenticate(mechanism, authRequest(again)));
      expect((result as { ok: boolean }).ok).toBe(true);
    }
    const refused = await payauth.guard('hmac')(authRequest({ authorization: 'AUTH nonsense' }));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.response.body).toBe(HMAC_REJECTION_BODY);
    expect(() => payauth.guard('basic' as Mechanism)).toThrow(/mechanism/);
  });
});
