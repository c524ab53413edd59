import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPayauth, type Payauth } from '@payauth/server';
import { payauthRouter } from '@payauth/server/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSERTION_FORM, form, json } from './requests.ts';
import { send } from './targets.ts';

// docs/embedding.md tells Express users to mount payauthRouter before their body parsers, and says what happens
// when they do not: well-formed requests still work (the parsed body is re-encoded), malformed ones get the
// parser's own answer instead of the documented one.

let payauth: Payauth;
let server: Server;
let base: string;

beforeAll(async () => {
  payauth = await createPayauth({ store: ':memory:', demo: false });
  const app = express();
  app.use(express.json());
  app.use(express.urlencoded({ extended: false }));
  app.use(payauthRouter(payauth));
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await payauth.close();
});

describe('payauthRouter mounted after express.json() and express.urlencoded()', () => {
  it('a well-formed JSON token request still works (the parsed body is re-encoded)', async () => {
    const { apiKey, apiSecret } = await payauth.credentials.create('api-key', { partner: 'acme' });
    const response = await send(base, json('/business/auth', { apiKey, apiSecret }));
    expect(response.status).toBe(200);
    expect(Object.keys(JSON.parse(response.body))).toEqual(['accessToken', 'expiresIn']);
  });

  it('a well-formed form reaches the eMoney endpoint as a form', async () => {
    const response = await send(base, form({ ...ASSERTION_FORM, client_assertion: 'not-a-jwt' }));
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).error).toBe('invalid_client');
  });

  it("malformed JSON gets the parser's answer, not WakaPay's documented one: hence mount the router first", async () => {
    const response = await send(base, json('/business/auth', '{"apiKey":'));
    expect(response.status).toBe(400);
    expect(response.body).not.toBe('{"code":0,"error":"invalid payload"}');
  });
});
