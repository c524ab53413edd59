import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { loadPkcs12 } from '@payauth/client/keys';
import { createClientAssertion, formatHmacHeader, signAppToken } from '@payauth/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { payauthHandler } from '../adapters/fetch.ts';
import { createPayauth, type Payauth } from '../payauth.ts';

// The OpenTelemetry SDK as an application registers it (tracer provider, AsyncLocalStorage context manager, W3C
// propagator), its in-memory exporter collecting what payauth's spans carry: a real SDK, not a stand-in.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const ISSUER = 'http://127.0.0.1:18080';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

let directory: string;
let payauth: Payauth;
let handle: (request: Request) => Promise<Response | undefined>;
/** Every secret and token the test uses: none may appear in any span attribute. */
const secrets: string[] = [];
/** Every span the tests made. */
const seen: ReadableSpan[] = [];

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await handle(new Request(`${ISSUER}${path}`, init));
  if (response === undefined) throw new Error(`no route for ${path}`);
  return response;
}

function fondyBody(secretKey: string): string {
  const date = new Date().toISOString().slice(0, 19).replace('T', ' ');
  return JSON.stringify({
    application_id: '1234',
    date,
    signature: signAppToken({ secretKey, applicationId: '1234', date }),
  });
}

/** The finished spans, printed as CI shows them (name, outcome, code, partner, trace and parent ids). */
function finished(): ReadableSpan[] {
  const spans = exporter.getFinishedSpans();
  seen.push(...spans);
  for (const span of spans) {
    console.log(
      `span ${JSON.stringify(span.name)} trace ${span.spanContext().traceId} parent ${span.parentSpanContext?.spanId ?? '-'} ${JSON.stringify(span.attributes)}`,
    );
  }
  return spans;
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'payauth-tracing-'));
  payauth = await createPayauth({
    store: ':memory:',
    issuer: ISSUER,
    demo: true,
    demoDirectory: directory,
    logger: false,
  });
  handle = payauthHandler(payauth);
  const demo = payauth.demo!;
  secrets.push(
    demo.hmac.secretKey,
    demo['app-token'].secretKey,
    demo['api-key'].apiSecret,
    demo['private-key-jwt'].apiKey,
    demo['private-key-jwt'].pfxPassword,
  );
});

afterAll(async () => {
  await payauth.close();
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => exporter.reset());

describe('OpenTelemetry spans (SPEC.md, Run as a service)', () => {
  it('one span per guard check: accepted with the partner, refused with the code, the caller’s traceparent continued', async () => {
    const { accessKey, secretKey } = payauth.demo!.hmac;
    const header = formatHmacHeader({ accessKey, secretKey, timestamp: Date.now() });
    secrets.push(header);
    const accepted = await call('/api/accounts', {
      headers: { authorization: header, traceparent: TRACEPARENT },
    });
    expect(accepted.status).toBe(200);
    const forged = formatHmacHeader({ accessKey, secretKey: 'not-the-secret', timestamp: Date.now() });
    secrets.push(forged);
    const refused = await call('/api/accounts', { headers: { authorization: forged } });
    expect(refused.status).toBe(401);
    const spans = finished();
    expect(spans.map((span) => span.name)).toEqual(['payauth hmac guard', 'payauth hmac guard']);
    expect(spans[0]!.attributes).toEqual({
      'payauth.mechanism': 'hmac',
      'payauth.outcome': 'accepted',
      'payauth.partner': 'demo-partner',
    });
    expect(spans[0]!.spanContext().traceId).toBe(TRACE_ID);
    expect(spans[0]!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(spans[1]!.attributes).toEqual({
      'payauth.mechanism': 'hmac',
      'payauth.outcome': 'refused',
      'payauth.code': 'ERR_HMAC_SIGNATURE_MISMATCH',
    });
    // No traceparent: a new trace.
    expect(spans[1]!.spanContext().traceId).not.toBe(TRACE_ID);
  });

  it('one span per token request of each token mechanism, then the guard of its resource', async () => {
    const demo = payauth.demo!;
    const fondy = await call('/authorizer/token/application/get', {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
      body: fondyBody(demo['app-token'].secretKey),
    });
    expect(fondy.status).toBe(200);
    secrets.push(((await fondy.json()) as { token: string }).token);
    const wrongFondy = await call('/authorizer/token/application/get', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: fondyBody('wrong-secret'),
    });
    expect(wrongFondy.status).toBe(403);

    const pkj = demo['private-key-jwt'];
    const { privateKey, certificate } = loadPkcs12(readFileSync(pkj.pfxPath), pkj.pfxPassword);
    const assertion = createClientAssertion({
      clientId: pkj.clientId,
      privateKey,
      certificate: certificate!,
      audience: pkj.tokenEndpoint,
    });
    secrets.push(assertion);
    const emoney = await call('/connect/token', {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: 'API',
      }),
    });
    expect(emoney.status).toBe(200);
    const emoneyToken = ((await emoney.json()) as { access_token: string }).access_token;
    secrets.push(emoneyToken);
    const users = await call('/public/v1/users', {
      headers: { authorization: `Bearer ${emoneyToken}`, apikey: pkj.apiKey },
    });
    expect(users.status).toBe(200);

    const waka = await call('/business/auth', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: 'your_api_key', apiSecret: demo['api-key'].apiSecret }),
    });
    expect(waka.status).toBe(200);
    const wakaToken = ((await waka.json()) as { accessToken: string }).accessToken;
    secrets.push(wakaToken);
    const balance = await call('/business/balance?currency=USD', {
      headers: { authorization: `Bearer ${wakaToken}` },
    });
    expect(balance.status).toBe(200);
    const expired = await call('/business/balance?currency=USD', {
      headers: { authorization: 'Bearer not.a.token' },
    });
    expect(expired.status).toBe(401);

    const spans = finished();
    expect(spans.map((span) => [span.name, span.attributes['payauth.outcome']])).toEqual([
      ['payauth app-token token', 'accepted'],
      ['payauth app-token token', 'refused'],
      ['payauth private-key-jwt token', 'accepted'],
      ['payauth private-key-jwt guard', 'accepted'],
      ['payauth api-key token', 'accepted'],
      ['payauth api-key guard', 'accepted'],
      ['payauth api-key guard', 'refused'],
    ]);
    expect(spans[0]!.spanContext().traceId).toBe(TRACE_ID);
    for (const span of spans) {
      const mechanism = span.name.split(' ')[1];
      expect(span.attributes['payauth.mechanism']).toBe(mechanism);
      if (span.attributes['payauth.outcome'] === 'accepted') {
        expect(span.attributes['payauth.partner']).toBe('demo-partner');
        expect(span.attributes['payauth.code']).toBeUndefined();
      } else {
        expect(span.attributes['payauth.code']).toMatch(/^ERR_[A-Z_]+$/);
        expect(span.attributes['payauth.partner']).toBeUndefined();
      }
    }
    expect(spans[1]!.attributes['payauth.code']).toBe('ERR_APP_TOKEN_SIGNATURE_MISMATCH');
  });

  it('under an active span (an HTTP instrumentation’s), the guard’s span is its child', async () => {
    const { accessKey, secretKey } = payauth.demo!.hmac;
    const header = formatHmacHeader({ accessKey, secretKey, timestamp: Date.now() });
    const tracer = trace.getTracer('test-http');
    await tracer.startActiveSpan('GET /api/accounts', async (server) => {
      // The caller's traceparent is the HTTP instrumentation's business once it made a span: not read again.
      const response = await call('/api/accounts', {
        headers: { authorization: header, traceparent: TRACEPARENT },
      });
      expect(response.status).toBe(200);
      server.end();
    });
    const spans = finished();
    const guard = spans.find((span) => span.name === 'payauth hmac guard')!;
    const server = spans.find((span) => span.name === 'GET /api/accounts')!;
    expect(guard.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(guard.spanContext().traceId).toBe(server.spanContext().traceId);
  });

  it('no secret, token or header value in any attribute of any span', async () => {
    // A refused WakaPay secret too; then every span of every test, with its attributes, events and status.
    const { accessKey, secretKey } = payauth.demo!.hmac;
    await call('/api/accounts', {
      headers: { authorization: formatHmacHeader({ accessKey, secretKey, timestamp: Date.now() }) },
    });
    await call('/business/auth', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: 'your_api_key', apiSecret: 'wrong-secret' }),
    });
    expect(finished().length).toBe(2);
    const shown = JSON.stringify(seen.map((span) => [span.name, span.attributes, span.events, span.status]));
    for (const secret of [...secrets, 'wrong-secret']) expect(shown).not.toContain(secret);
    expect(secrets.length).toBeGreaterThan(8);
  });

  it('tracing: false makes no span', async () => {
    const quiet = await createPayauth({ store: ':memory:', issuer: ISSUER, sandbox: true, tracing: false });
    try {
      await payauthHandler(quiet)(
        new Request(`${ISSUER}/api/accounts`, { headers: { authorization: 'AUTH x' } }),
      );
      expect(exporter.getFinishedSpans()).toEqual([]);
    } finally {
      await quiet.close();
    }
  });

  it('a tracer provider registered after createPayauth is used from then on; none registered, no span', async () => {
    trace.disable();
    const later = await createPayauth({ store: ':memory:', issuer: ISSUER, sandbox: true });
    try {
      const call = () =>
        payauthHandler(later)(
          new Request(`${ISSUER}/api/accounts`, { headers: { authorization: 'AUTH x' } }),
        );
      await call();
      expect(exporter.getFinishedSpans()).toEqual([]);
      trace.setGlobalTracerProvider(provider);
      await call();
      expect(finished().map((span) => [span.name, span.attributes['payauth.code']])).toEqual([
        ['payauth hmac guard', 'ERR_HMAC_HEADER_MALFORMED'],
      ]);
    } finally {
      await later.close();
    }
  });
});
