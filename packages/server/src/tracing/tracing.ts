import type * as OpenTelemetry from '@opentelemetry/api';
import { type Mechanism, mechanisms, mechanismTable } from '@payauth/core';
import type { Guard } from '../guards/authenticate.ts';
import type { AuthRequest, GuardResult, NeutralResponse, Route } from '../http/types.ts';
import type { RejectionListeners } from '../rejection-events.ts';

/**
 * Spans around payauth's guards and token endpoints (SPEC.md, "Run as a service"): one span per guard check, named
 * `payauth <mechanism> guard`, and one per token request, `payauth <mechanism> token`, with the attributes
 * `payauth.mechanism`, `payauth.outcome` (`accepted` or `refused`), `payauth.code` (the rejection code, on refusals)
 * and `payauth.partner` (on success). Never a secret: no header, body, token or key is put on a span.
 *
 * @example
 * ```ts
 * const tracing = await openTracing(true, rejections)
 * const guards = tracing.guards(createGuards(context))
 * ```
 */
export interface PayauthTracing {
  /** The same guards, each call in a span (the guards themselves when tracing is off). */
  guards(guards: Readonly<Record<Mechanism, Guard>>): Readonly<Record<Mechanism, Guard>>;
  /** The same routes, the three token endpoints' calls in a span (the routes themselves when tracing is off). */
  routes(routes: Route[]): Route[];
}

/** Tracing off: everything as it was. */
const UNTRACED: PayauthTracing = { guards: (guards) => guards, routes: (routes) => routes };

/** The tracer's name (OpenTelemetry's instrumentation scope). */
const SCOPE = '@payauth/server';

/** Token endpoint path → its mechanism (the mechanism table's `tokenPath`). */
const TOKEN_MECHANISM: ReadonlyMap<string, Mechanism> = new Map(
  mechanisms.flatMap((mechanism) => {
    const path = mechanismTable[mechanism].tokenPath;
    return path === undefined ? [] : [[path, mechanism] as const];
  }),
);

/** `@opentelemetry/api`, or undefined when it is not installed (an optional peer dependency). */
async function loadApi(): Promise<typeof OpenTelemetry | undefined> {
  try {
    // In a try block so that bundlers leave the import alone when the package is absent (esbuild warns, no error).
    return await import('@opentelemetry/api');
  } catch {
    return undefined;
  }
}

/**
 * The tracing of one payauth instance. With `enabled` and `@opentelemetry/api` installed, spans go to the tracer
 * provider registered with the API (none registered: the API's no-op spans, which record nothing); otherwise nothing
 * is loaded and the guards and routes are returned as they are.
 */
export async function openTracing(enabled: boolean, rejections: RejectionListeners): Promise<PayauthTracing> {
  if (!enabled) return UNTRACED;
  const api = await loadApi();
  if (api === undefined) return UNTRACED;
  const { context, propagation, ProxyTracerProvider, SpanKind, SpanStatusCode, trace } = api;
  const tracer = trace.getTracer(SCOPE);
  // The global tracer provider is a proxy that delegates to the SDK's once one is registered (before or after this),
  // else to the API's no-op provider: asked per call, a cached proxy answers in ~2 ns, against ~70 ns to fetch it
  // from the global registry each time and ~500 ns to extract the context and start a no-op span (microbenchmarks on
  // this 2-core host, bench/README.md "Tracing"), which is ~3 % of an api-key guard call.
  const noop = new ProxyTracerProvider().getDelegate();
  const proxy = trace.getTracerProvider() as Partial<OpenTelemetry.ProxyTracerProvider>;
  const idle = proxy.getDelegate === undefined ? () => false : () => proxy.getDelegate!() === noop;
  // The spans in flight by request id, for the rejection listener to name the code on: every refusal goes through
  // `reject()`, which tells the listeners before the guard or endpoint answers.
  const open = new Map<string, OpenTelemetry.Span>();
  let listening = false;
  const listen = () => {
    listening = true;
    rejections.add((event) => open.get(event.requestId)?.setAttribute('payauth.code', event.code));
  };

  /** The parent: the active span (an HTTP instrumentation's), else the caller's `traceparent` (W3C). */
  const parentOf = (request: AuthRequest): OpenTelemetry.Context => {
    const active = context.active();
    return trace.getSpan(active) === undefined ? propagation.extract(active, request.headers) : active;
  };

  /**
   * Runs `call` in a span; `settle` names the outcome from its answer. Synchronous when `call` is (the guards' fast
   * path stays without a promise), and with no tracer registered only the no-op span is made.
   */
  function inSpan<T>(
    name: string,
    mechanism: Mechanism,
    request: AuthRequest,
    call: () => T | Promise<T>,
    settle: (span: OpenTelemetry.Span, answer: T) => void,
  ): T | Promise<T> {
    const parent = parentOf(request);
    const span = tracer.startSpan(
      name,
      { kind: SpanKind.INTERNAL, attributes: { 'payauth.mechanism': mechanism } },
      parent,
    );
    // No tracer registered (or this span sampled out): nothing to record, so the call runs as it would untraced.
    if (!span.isRecording()) return call();
    if (!listening) listen();
    const requestId = request.requestId;
    open.set(requestId, span);
    const finish = (answer: T): T => {
      open.delete(requestId);
      settle(span, answer);
      span.end();
      return answer;
    };
    const fail = (error: unknown): never => {
      open.delete(requestId);
      const code = (error as { code?: unknown } | null)?.code;
      span.setAttributes({
        'payauth.outcome': 'refused',
        ...(typeof code === 'string' ? { 'payauth.code': code } : {}),
      });
      // The error's name only: a message is the operator's, and spans leave the process.
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error | null)?.name ?? 'Error' });
      span.end();
      throw error;
    };
    let answer: T | Promise<T>;
    try {
      answer = context.with(trace.setSpan(parent, span), call);
    } catch (error) {
      return fail(error);
    }
    return answer instanceof Promise ? answer.then(finish, fail) : finish(answer);
  }

  const settleGuard = (span: OpenTelemetry.Span, result: GuardResult) => {
    if (result.ok) {
      span.setAttributes({ 'payauth.outcome': 'accepted', 'payauth.partner': result.principal.partnerId });
    } else {
      span.setAttribute('payauth.outcome', 'refused');
    }
  };

  const settleToken = (span: OpenTelemetry.Span, response: NeutralResponse) => {
    if (response.status !== 200) {
      span.setAttribute('payauth.outcome', 'refused');
      return;
    }
    span.setAttribute('payauth.outcome', 'accepted');
    const partner = partnerOf(response.body);
    if (partner !== undefined) span.setAttribute('payauth.partner', partner);
  };

  return {
    guards(guards) {
      return Object.fromEntries(
        mechanisms.map((mechanism) => {
          const guard = guards[mechanism];
          const name = `payauth ${mechanism} guard`;
          const traced: Guard = (request) =>
            idle() ? guard(request) : inSpan(name, mechanism, request, () => guard(request), settleGuard);
          return [mechanism, traced];
        }),
      ) as Record<Mechanism, Guard>;
    },
    routes(routes) {
      return routes.map((route) => {
        const mechanism = route.method === 'POST' ? TOKEN_MECHANISM.get(route.path) : undefined;
        if (mechanism === undefined) return route;
        const name = `payauth ${mechanism} token`;
        const handle = route.handle;
        return {
          ...route,
          handle: (request) =>
            idle()
              ? handle(request)
              : (inSpan(
                  name,
                  mechanism,
                  request,
                  () => handle(request),
                  settleToken,
                ) as Promise<NeutralResponse>),
        };
      });
    },
  };
}

/**
 * The `partner` claim of the token a token endpoint just issued (payauth's own JWT, read from its own answer): the
 * claims only, never the token. Undefined when the body holds no such token.
 */
function partnerOf(body: string): string | undefined {
  const match = /"(?:access_token|accessToken|token)":"[\w-]+\.([\w-]+)\.[\w-]+"/.exec(body);
  if (match === null) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8')) as { partner?: unknown };
    return typeof claims.partner === 'string' ? claims.partner : undefined;
  } catch {
    return undefined;
  }
}
