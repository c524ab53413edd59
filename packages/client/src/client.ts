import { assertNumber, assertString, InvalidOptionError } from '@payauth/core';
import type { Authorization, AuthStrategy, BoundStrategy } from './auth/types.ts';
import { ServerClock } from './clock.ts';
import {
  describeAs,
  MalformedResponseError,
  PayauthResponseError,
  PayauthTimeoutError,
  parseProviderError,
  readRetryAfter,
} from './errors.ts';
import type { TokenStore } from './token/store.ts';

/** Retries of failures other than 401 (undici's rule): idempotent methods, 429/5xx, `Retry-After`, bounded back-off. */
export interface RetryOptions {
  /** Default 2. */
  readonly retries?: number;
  /** First back-off, doubled each time (default 200 ms). */
  readonly minDelayMs?: number;
  /** Longest wait, including a server's `Retry-After` (default 5 s; a longer `Retry-After` is not waited for). */
  readonly maxDelayMs?: number;
}

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** The provider's base URL (a preset gives it; tests point it at `payauth serve`). */
  readonly baseUrl: string;
  readonly auth: AuthStrategy;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof globalThis.fetch;
  /** Default: a new {@link ServerClock} that learns the offset from `Date` headers. */
  readonly clock?: ServerClock;
  /** Where tokens are cached (default: memory). */
  readonly tokenStore?: TokenStore;
  /** `false` disables retries of 429/5xx. */
  readonly retry?: RetryOptions | false;
  /**
   * The longest wait for an answer's status and headers, per attempt, token requests included (default 30 000 ms).
   * A request that reaches it is aborted; an idempotent one (or a token request) is retried within the retry budget,
   * and the caller finally gets a {@link PayauthTimeoutError}.
   */
  readonly timeoutMs?: number;
}

/** `RequestInit` with this request's own timeout. */
export interface PayauthRequestInit extends RequestInit {
  /** Overrides {@link ClientOptions.timeoutMs} for this request. */
  readonly timeoutMs?: number;
}

/** A `fetch`-shaped function that authenticates every request, with small helpers. */
export interface PayauthClient {
  (input: string | URL, init?: PayauthRequestInit): Promise<Response>;
  get(path: string, init?: PayauthRequestInit): Promise<Response>;
  post(path: string, body: unknown, init?: PayauthRequestInit): Promise<Response>;
  /** GET (or `init.method`) and parse JSON; a non-2xx answer throws {@link PayauthResponseError}. */
  json<T = unknown>(path: string, init?: PayauthRequestInit): Promise<T>;
  readonly clock: ServerClock;
  readonly auth: BoundStrategy;
  close(): void;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** The path of a request URL, for messages (never its query, which may carry values). */
function pathOf(input: string | URL | Request): string {
  try {
    return new URL(input instanceof Request ? input.url : String(input)).pathname;
  } catch {
    return '(request)';
  }
}

function replayable(body: RequestInit['body']): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof Uint8Array ||
    body instanceof ArrayBuffer ||
    body instanceof Blob
  );
}

/**
 * Creates a client that attaches credentials to every request.
 *
 * - On a 401, the strategy decides on exactly one retry (a fresh token, or a corrected clock for hmac). Never loops.
 * - 429 and 5xx answers to idempotent requests are retried with back-off, honouring `Retry-After` (bounded).
 * - A token request counts as safe to repeat: after a 429, a 5xx, a timeout or no answer it is sent again, freshly
 *   signed, after `Retry-After` or the back-off. A refusal (`invalid_client`, a revoked credential) and a malformed
 *   token answer ({@link MalformedResponseError}) are given up on at once.
 * - Every attempt waits at most `timeoutMs` for an answer ({@link PayauthTimeoutError}); the caller's `signal` aborts
 *   the request, its waits and its retries.
 * - The server's clock offset is learned from `Date` headers and used for hmac timestamps and assertion times.
 *
 * docs/rehearsal.md states this behaviour scenario by scenario; `payauth rehearse` checks it against the sandbox.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl: 'http://127.0.0.1:8080', auth: apiKey({ apiKey: 'your_api_key', apiSecret: 'your_api_secret' }) })
 * const balance = await client.json('/business/balance?currency=USD')
 * ```
 */
export function createClient(options: ClientOptions): PayauthClient {
  assertString(options?.baseUrl, 'baseUrl', 2048);
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new InvalidOptionError('baseUrl', 'an absolute URL');
  }
  if (typeof options.auth?.bind !== 'function')
    throw new InvalidOptionError('auth', 'a strategy from hmac(), appToken(), privateKeyJwt() or apiKey()');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? new ServerClock();
  const baseUrl = base.href.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  assertNumber(timeoutMs, 'timeoutMs', 1, 2_147_483_647);

  /** One attempt, aborted after `limit` ms without an answer (the timer stops once the status and headers arrive). */
  const fetchWithin = async (
    input: string | URL | Request,
    init: RequestInit,
    limit: number,
  ): Promise<Response> => {
    const timer = new AbortController();
    const method = (init.method ?? 'GET').toUpperCase();
    const handle = setTimeout(
      () => timer.abort(new PayauthTimeoutError(method, pathOf(input), limit)),
      limit,
    );
    // The caller's signal aborts this attempt too. Forwarded by hand: `AbortSignal.any` is missing on some web
    // runtimes (Vercel's edge-runtime 4), where the client must run as well (docs/runtimes.md).
    const caller = init.signal ?? undefined;
    const forward = () => timer.abort(caller?.reason);
    if (caller?.aborted) forward();
    else caller?.addEventListener('abort', forward, { once: true });
    try {
      return await fetchImpl(input, { ...init, signal: timer.signal });
    } catch (error) {
      if (timer.signal.aborted && !caller?.aborted) throw timer.signal.reason;
      throw error;
    } finally {
      clearTimeout(handle);
      caller?.removeEventListener('abort', forward);
    }
  };

  // Token requests that got no answer at all (a refused connection, a reset): safe to send again, like a timeout.
  const unanswered = new WeakSet<object>();
  const strategyFetch: typeof globalThis.fetch = async (input, init = {}) => {
    try {
      return await fetchWithin(input, init, timeoutMs);
    } catch (error) {
      if (!init.signal?.aborted && typeof error === 'object' && error !== null) unanswered.add(error);
      throw error;
    }
  };

  const bound = options.auth.bind({
    fetch: strategyFetch,
    clock,
    baseUrl,
    ...(options.tokenStore ? { tokenStore: options.tokenStore } : {}),
  });
  const retry =
    options.retry === false
      ? { retries: 0, minDelayMs: 0, maxDelayMs: 0 }
      : { retries: 2, minDelayMs: 200, maxDelayMs: 5000, ...options.retry };

  const backoff = (failures: number): number => retry.minDelayMs * 2 ** failures;

  /** The wait before sending a failed token request again, or undefined to give up (SPEC.md, "Rehearsal"). */
  const tokenRetryWait = (error: unknown, failures: number): number | undefined => {
    if (failures >= retry.retries) return undefined;
    let wait: number | undefined;
    if (error instanceof PayauthResponseError) {
      if (error instanceof MalformedResponseError) return undefined;
      // A refusal (400, 401 invalid_client, 403) is final: sending the same credential again cannot help.
      if (error.status !== 429 && error.status < 500) return undefined;
      wait = error.retryAfterMs;
    } else if (
      !(error instanceof PayauthTimeoutError) &&
      !(typeof error === 'object' && error !== null && unanswered.has(error))
    ) {
      return undefined;
    }
    wait ??= backoff(failures);
    return wait <= retry.maxDelayMs ? wait : undefined;
  };

  const request = async (input: string | URL, requestInit: PayauthRequestInit = {}): Promise<Response> => {
    const { timeoutMs: ownTimeout, ...init } = requestInit;
    const limit = ownTimeout ?? timeoutMs;
    if (ownTimeout !== undefined) assertNumber(ownTimeout, 'timeoutMs', 1, 2_147_483_647);
    const url =
      typeof input === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(input)
        ? `${baseUrl}${input.startsWith('/') ? '' : '/'}${input}`
        : input;
    const method = (init.method ?? 'GET').toUpperCase();
    const canReplay = replayable(init.body);
    let unauthorizedRetried = false;
    let failures = 0;
    let tokenFailures = 0;
    for (;;) {
      let authorization: Authorization;
      try {
        authorization = await bound.authorize(init.signal ?? undefined);
      } catch (error) {
        const wait = init.signal?.aborted ? undefined : tokenRetryWait(error, tokenFailures);
        if (wait === undefined) throw error;
        tokenFailures++;
        await sleep(wait, init.signal);
        continue;
      }
      const headers = new Headers(init.headers);
      for (const [name, value] of Object.entries(authorization.headers)) headers.set(name, value);
      let response: Response;
      try {
        response = await fetchWithin(url, { ...init, headers }, limit);
      } catch (error) {
        // A request that is not safe to repeat may have been carried out: its timeout reaches the caller as is.
        if (init.signal?.aborted || !IDEMPOTENT.has(method) || failures >= retry.retries) throw error;
        await sleep(Math.min(retry.maxDelayMs, backoff(failures++)), init.signal);
        continue;
      }
      const clockChanged = clock.observe(response);
      if (response.status === 401 && !unauthorizedRetried && canReplay) {
        if (await bound.onUnauthorized(authorization, { clockChanged })) {
          unauthorizedRetried = true;
          await response.body?.cancel().catch(() => {});
          continue;
        }
      }
      if (
        (response.status === 429 || response.status >= 500) &&
        IDEMPOTENT.has(method) &&
        canReplay &&
        failures < retry.retries
      ) {
        const wait = readRetryAfter(response.headers) ?? backoff(failures);
        if (wait <= retry.maxDelayMs) {
          failures++;
          await response.body?.cancel().catch(() => {});
          await sleep(wait, init.signal);
          continue;
        }
      }
      return response;
    }
  };

  const client = Object.assign(request, {
    get: (path: string, init: PayauthRequestInit = {}) => request(path, { ...init, method: 'GET' }),
    post: (path: string, body: unknown, init: PayauthRequestInit = {}) => {
      const headers = new Headers(init.headers);
      const isRaw = typeof body === 'string' || body instanceof URLSearchParams || body instanceof Uint8Array;
      if (!isRaw && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return request(path, {
        ...init,
        method: 'POST',
        headers,
        body: isRaw ? (body as string) : JSON.stringify(body),
      });
    },
    async json<T>(path: string, init: PayauthRequestInit = {}): Promise<T> {
      const response = await request(path, init);
      const text = await response.text();
      if (!response.ok)
        throw parseProviderError(bound.mechanism, response.status, bound.redact(text), response.headers);
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new PayauthResponseError(
          { status: response.status, mechanism: bound.mechanism, providerMessage: 'the answer is not JSON' },
          bound.redact(text),
        );
      }
    },
    clock,
    auth: bound,
    close: () => bound.close(),
  });
  return describeAs(client, () => ({ baseUrl, auth: bound }));
}
