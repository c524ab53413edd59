import { createServer, type Server } from 'node:http';
import { formatHmacHeader } from '@payauth/core';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvents } from '../../packages/cli/src/follow.ts';
import { payauthRouter } from '../../packages/server/src/adapters/express.ts';
import { payauthHandler } from '../../packages/server/src/adapters/fetch.ts';
import { createPayauth, type Payauth } from '../../packages/server/src/payauth.ts';
import { checkResponseAgainstOpenApi } from '../support/openapi.ts';
import { freePort } from '../support/servers.ts';
import { openEvents } from './sse.ts';

const token = 'admin-token-for-the-adapters-0123';
let payauth: Payauth;
let http: Server;
let url: string;

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  payauth = await createPayauth({
    store: ':memory:',
    issuer: url,
    admin: { token },
    metrics: true,
    sandbox: true,
  });
  const app = express();
  app.use(payauthRouter(payauth));
  http = createServer(app);
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
});
afterAll(async () => {
  await payauth?.close();
  await new Promise((resolve) => http?.close(resolve));
});

describe('the admin routes through other adapters', () => {
  it('Express serves the admin API, its event stream and /metrics', async () => {
    const created = await fetch(`${url}/admin/api/credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mechanism: 'hmac' }),
    });
    expect(created.status).toBe(201);
    const { accessKey } = (await created.json()) as { accessKey: string };
    const stream = await openEvents(`${url}/admin/api/events`, { authorization: `Bearer ${token}` });
    try {
      expect(stream.status).toBe(200);
      const header = formatHmacHeader({ accessKey, secretKey: 'wrong-secret', timestamp: Date.now() });
      expect((await fetch(`${url}/api/accounts`, { headers: { authorization: header } })).status).toBe(401);
      const event = await stream.next((candidate) => candidate.code === 'ERR_HMAC_SIGNATURE_MISMATCH');
      expect(event.publicId).toBe(accessKey);
    } finally {
      stream.close();
    }
    const metrics = await fetch(`${url}/metrics`);
    const text = await metrics.text();
    expect(checkResponseAgainstOpenApi('GET', '/metrics', metrics.status, metrics.headers, text)).toEqual([]);
    expect(text).toContain('payauth_rejections_total{mechanism="hmac",code="ERR_HMAC_SIGNATURE_MISMATCH"} 1');
  });

  it('fetch: refused without a client address (fail closed), served with one', async () => {
    const request = () =>
      new Request(`${url}/admin/api/keys`, { headers: { authorization: `Bearer ${token}` } });
    const unknown = await payauthHandler(payauth)(request());
    expect(unknown?.status).toBe(403);
    const loopback = await payauthHandler(payauth, { address: () => '127.0.0.1' })(request());
    expect(loopback?.status).toBe(200);
    const events = await payauthHandler(payauth, { address: () => '127.0.0.1' })(
      new Request(`${url}/admin/api/events`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(events?.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = events!.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('retry: 2000');
    payauth.endStreams();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(parseEvents(rest).data).toEqual([]);
  });
});
