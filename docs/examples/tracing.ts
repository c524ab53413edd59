// Tracing (docs/deployment.md, "Tracing"): the OpenTelemetry SDK registered as an application registers it (a tracer
// provider, the W3C propagator), then payauth's spans for one accepted and one refused hmac request, printed by a
// small exporter. No server needed: the fetch adapter is called in-process. In your project:
//   npm install @payauth/server @opentelemetry/api @opentelemetry/core @opentelemetry/sdk-trace-base
//   node docs/examples/tracing.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { propagation, trace } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { formatHmacHeader } from '@payauth/core';
import { createPayauth } from '@payauth/server';
import { payauthHandler } from '@payauth/server/fetch';

// In production: an OTLP exporter and a BatchSpanProcessor (or @opentelemetry/sdk-node's NodeSDK).
const printer: SpanExporter = {
  export(spans, done) {
    for (const span of spans) {
      const { traceId } = span.spanContext();
      console.log(`span "${span.name}" trace ${traceId} ${JSON.stringify(span.attributes)}`);
    }
    done({ code: ExportResultCode.SUCCESS });
  },
  shutdown: async () => {},
};
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(printer)] }),
);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const directory = mkdtempSync(join(tmpdir(), 'payauth-tracing-'));
const payauth = await createPayauth({ store: ':memory:', demo: true, demoDirectory: directory });
const handle = payauthHandler(payauth);
const { accessKey, secretKey } = payauth.demo!.hmac;
// The caller's trace (W3C traceparent): payauth's span continues it.
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
for (const key of [secretKey, 'not-the-secret']) {
  const authorization = formatHmacHeader({ accessKey, secretKey: key, timestamp: Date.now() });
  const request = new Request('http://127.0.0.1:8080/api/accounts', {
    headers: { authorization, traceparent },
  });
  console.log(`GET /api/accounts: ${(await handle(request))?.status}`);
}
await payauth.close();
rmSync(directory, { recursive: true, force: true });
