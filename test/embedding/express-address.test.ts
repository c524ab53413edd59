import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPayauth, type Payauth } from '@payauth/server';
import { requireAuth } from '@payauth/server/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The guard's client address follows the app's `trust proxy` setting, as `req.ip` does: the socket's address by
// default (a forged X-Forwarded-For changes nothing), the forwarded one when the app trusts its proxy.

let payauth: Payauth;
const servers: Server[] = [];

async function serve(trustProxy: boolean): Promise<string> {
  const app = express();
  if (trustProxy) app.set('trust proxy', true);
  app.get('/accounts', requireAuth(payauth, 'hmac'), (_request, response) => {
    response.json({ ok: true });
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function refusedAddress(base: string): Promise<string> {
  const seen = new Promise<string>((resolve) => {
    const stop = payauth.onRejection((event) => {
      stop();
      resolve(event.address);
    });
  });
  const response = await fetch(`${base}/accounts`, {
    headers: { authorization: 'AUTH nobody:1:1:00', 'x-forwarded-for': '198.51.100.7' },
  });
  expect(response.status).toBe(401);
  return seen;
}

beforeAll(async () => {
  payauth = await createPayauth({ store: ':memory:', demo: false });
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await payauth.close();
});

describe('requireAuth (Express): the client address', () => {
  it("is the socket's by default: X-Forwarded-For is not trusted", async () => {
    expect(await refusedAddress(await serve(false))).toBe('127.0.0.1');
  });

  it("is the forwarded one when the app sets 'trust proxy'", async () => {
    expect(await refusedAddress(await serve(true))).toBe('198.51.100.7');
  });
});
