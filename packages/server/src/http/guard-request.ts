import { createRequestId } from './headers.ts';
import { splitTarget } from './query.ts';
import type { AuthRequest } from './types.ts';

type Split = ReturnType<typeof splitTarget>;

const REQUEST_ID = /^[A-Za-z0-9]{16}$/;

/**
 * The {@link AuthRequest} a guard sees, built for the hot path: the method and headers at once, the rest only when
 * read. An accepted request reads its address and request id once (budget and audit) and never its path or query,
 * which only a refusal's audit event needs. Adapters build one per guarded request ({@link RouteRequest} for a
 * route). Its lazy fields are getters: a spread (`{ ...request }`) would not copy them, so nothing spreads it.
 *
 * @example
 * ```ts
 * const request = new GuardRequest('GET', headersFromRaw(req.rawHeaders), req.url, req.socket.remoteAddress ?? 'unknown')
 * ```
 */
export class GuardRequest implements AuthRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly #target: string;
  #split: Split | undefined;
  readonly address: string;
  #requestId: string | undefined;
  #checkedId = false;

  /**
   * @param target - the request target (`/path?query`), split when first read.
   * @param address - the client's address (after the framework's trust-proxy rules).
   * @param frameworkId - the id the framework gave the request: used when it has Fondy's shape (16 letters and
   *   digits, as `payauth serve` generates), otherwise one is drawn when first read.
   */
  constructor(
    method: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    target: string,
    address: string,
    frameworkId?: string,
  ) {
    this.method = method;
    this.headers = headers;
    this.#target = target;
    this.address = address;
    this.#requestId = frameworkId;
  }

  /** The URL path without the query string. */
  get path(): string {
    this.#split ??= splitTarget(this.#target);
    return this.#split.path;
  }

  /** The query as a record (a repeated parameter becomes an array). */
  get query(): Readonly<Record<string, string | string[] | undefined>> {
    this.#split ??= splitTarget(this.#target);
    return this.#split.query;
  }

  /** 16 characters; Fondy's `request_id`. */
  get requestId(): string {
    if (this.#checkedId) return this.#requestId!;
    if (this.#requestId === undefined || !REQUEST_ID.test(this.#requestId))
      this.#requestId = createRequestId();
    this.#checkedId = true;
    return this.#requestId;
  }
}

/**
 * The {@link AuthRequest} of one of payauth's routes, as lazy as {@link GuardRequest}, with the route's parameters
 * and the body the adapter read.
 *
 * @example
 * ```ts
 * const request = new RouteRequest('POST', headers, '/business/auth', address, undefined, {}, '{"apiKey":"…"}')
 * ```
 */
export class RouteRequest extends GuardRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly body: string | undefined;

  constructor(
    method: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    target: string,
    address: string,
    frameworkId: string | undefined,
    params: Readonly<Record<string, string>>,
    body: string | undefined,
  ) {
    super(method, headers, target, address, frameworkId);
    this.params = params;
    this.body = body;
  }
}
