import { describeRejection } from '@payauth/core';
import type { NeutralResponse, Route } from '../http/types.ts';
import type { AdminHost, RejectionEvent } from './host.ts';
import { showPublicId } from './public-id.ts';

/** One message of the live rejection stream (`data:` of `GET /admin/api/events`). Never a secret. */
export interface RejectionMessage {
  readonly at: string;
  readonly mechanism: string;
  readonly code: string;
  readonly reason: string;
  readonly hint?: string;
  /** What to do, in both languages of the documents. */
  readonly diagnosis: { readonly en: string; readonly fr: string };
  readonly publicId?: string;
  readonly credentialId?: string;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** The request's header names (never their values): the request's shape. */
  readonly headerNames: readonly string[];
}

/** Options of {@link createEventsRoute}. */
export interface EventsOptions {
  /** A comment line is sent this often so that proxies keep the connection (default 15 000 ms). */
  readonly heartbeatMs?: number;
  /** Messages kept for a slow reader; older ones are dropped past it (default 1000). */
  readonly maxQueued?: number;
  /** When aborted, every open stream ends (so that a server can drain its connections and close). */
  readonly signal?: AbortSignal;
}

/**
 * The message of one rejection: the event's safe fields plus the advice for its code in English and French.
 *
 * @example
 * ```ts
 * toRejectionMessage(event).diagnosis.fr
 * ```
 */
export function toRejectionMessage(event: RejectionEvent): RejectionMessage {
  const publicId = showPublicId(event.publicId, event.credentialId);
  return {
    at: new Date(event.at).toISOString(),
    mechanism: event.mechanism,
    code: event.code,
    reason: event.reason,
    ...(event.hint === undefined ? {} : { hint: event.hint }),
    diagnosis: {
      en: describeRejection(event.code, 'en') ?? event.reason,
      fr: describeRejection(event.code, 'fr') ?? event.reason,
    },
    // Undefined fields are left out of the JSON message.
    publicId,
    credentialId: event.credentialId,
    requestId: event.requestId,
    method: event.method,
    path: event.path,
    headerNames: event.headerNames,
  };
}

/**
 * An async iterator of SSE text fed by pushes: bounded (oldest dropped first), with heartbeats, and closed at once by
 * `return()` — which an adapter calls when the client goes away — so no listener outlives its connection.
 */
class EventChannel implements AsyncIterableIterator<string> {
  readonly #queue: string[] = [];
  readonly #maxQueued: number;
  readonly #timer: NodeJS.Timeout;
  #waiting: ((result: IteratorResult<string>) => void) | undefined;
  #closed = false;
  #onClose: () => void;
  /** Messages dropped because the reader was too slow. */
  dropped = 0;

  constructor(options: { heartbeatMs: number; maxQueued: number; onClose: () => void }) {
    this.#maxQueued = options.maxQueued;
    this.#onClose = options.onClose;
    this.#timer = setInterval(() => this.push(': heartbeat\n\n'), options.heartbeatMs);
    this.#timer.unref();
  }

  /** Queues one chunk of SSE text (or hands it to a waiting reader). */
  push(text: string): void {
    if (this.#closed) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve({ value: text, done: false });
      return;
    }
    if (this.#queue.length >= this.#maxQueued) {
      this.#queue.shift();
      this.dropped++;
    }
    this.#queue.push(text);
  }

  next(): Promise<IteratorResult<string>> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve({ value: queued, done: false });
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<string>> {
    if (!this.#closed) {
      this.#closed = true;
      clearInterval(this.#timer);
      this.#queue.length = 0;
      this.#onClose();
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<string> {
    return this;
  }
}

/**
 * `GET /admin/api/events`: a `text/event-stream` of rejections as they happen (`payauth.onRejection`), one
 * `data: <RejectionMessage JSON>` per rejection with an increasing `id:`, and `: heartbeat` comments.
 *
 * @example
 * ```ts
 * payauth.addRoutes([createEventsRoute(host)])
 * ```
 */
export function createEventsRoute(host: AdminHost, options: EventsOptions = {}): Route {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxQueued = options.maxQueued ?? 1000;
  let sequence = 0;
  return {
    method: 'GET',
    path: '/admin/api/events',
    async handle(): Promise<NeutralResponse> {
      let unsubscribe: () => void = () => {};
      const end = () => void channel.return();
      const channel = new EventChannel({
        heartbeatMs,
        maxQueued,
        onClose: () => {
          unsubscribe();
          options.signal?.removeEventListener('abort', end);
        },
      });
      unsubscribe = host.onRejection((event) => {
        sequence++;
        channel.push(`id: ${sequence}\ndata: ${JSON.stringify(toRejectionMessage(event))}\n\n`);
      });
      channel.push('retry: 2000\n: connected\n\n');
      if (options.signal?.aborted) end();
      else options.signal?.addEventListener('abort', end, { once: true });
      return {
        status: 200,
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          // Tells nginx-like proxies not to buffer the stream.
          'x-accel-buffering': 'no',
        },
        body: '',
        stream: channel,
      };
    },
  };
}
