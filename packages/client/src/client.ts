import { assertString, InvalidOptionError } from '@payauth/core';
import type { AuthStrategy, BoundStrategy } from './auth/types.ts';
import { ServerClock } from './clock.ts';
import { describeAs, PayauthResponseError, parseProviderError } from './errors.ts';
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
}

/** A `fetch`-shaped function that authenticates every request, with small helpers. */
export interface PayauthClient {
  (input: string | URL, init?: RequestInit): Promise<Response>;
  get(path: string, init?: RequestInit): Promise<Response>;
  post(path: string, body: unknown, init?: RequestInit): Promise<Response>;
  /** GET (or `init.method`) and parse JSON; a non-2xx answer throws {@link PayauthResponseError}. */
  json<T = unknown>(path: string, init?: RequestInit): Promise<T>;
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

function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
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
 * - 429 and 5xx answers to idempotent requests are retried with back-off, honouring `Retry-After`.
 * - The server's clock offset is learned from `Date` headers and used for hmac timestamps and assertion times.
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
  const bound = options.auth.bind({
    fetch: fetchImpl,
    clock,
    baseUrl,
    ...(options.tokenStore ? { tokenStore: options.tokenStore } : {}),
  });
  const retry =
    options.retry === false
      ? { retries: 0, minDelayMs: 0, maxDelayMs: 0 }
      : { retries: 2, minDelayMs: 200, maxDelayMs: 5000, ...options.retry };

  const request = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const url =
      typeof input === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(input)
        ? `${baseUrl}${input.startsWith('/') ? '' : '/'}${input}`
        : input;
    const method = (init.method ?? 'GET').toUpperCase();
    const canReplay = replayable(init.body);
    let unauthorizedRetried = false;
    let failures = 0;
    for (;;) {
      const authorization = await bound.authorize(init.signal ?? undefined);
      const headers = new Headers(init.headers);
      for (const [name, value] of Object.entries(authorization.headers)) headers.set(name, value);
      let response: Response;
      try {
        response = await fetchImpl(url, { ...init, headers });
      } catch (error) {
        if (init.signal?.aborted || !IDEMPOTENT.has(method) || failures >= retry.retries) throw error;
        await sleep(Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** failures++), init.signal);
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
        const wait = retryAfterMs(response) ?? retry.minDelayMs * 2 ** failures;
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
    get: (path: string, init: RequestInit = {}) => request(path, { ...init, method: 'GET' }),
    post: (path: string, body: unknown, init: RequestInit = {}) => {
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
    async json<T>(path: string, init: RequestInit = {}): Promise<T> {
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
