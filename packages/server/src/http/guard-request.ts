import { splitTarget } from './query.ts';
import { createRequestId } from './request-id.ts';
import type { AuthRequest, BodyProblem } from './types.ts';

type Split = ReturnType<typeof splitTarget>;

const REQUEST_ID = /^[A-Za-z0-9]{16}$/;

/**
 * The {@link AuthRequest} a guard sees, built for the hot path: the method and headers at once, the rest only when
 * read. An accepted request reads its address and request id once (budget and audit) and never its path or query,
 * which only a refusal's audit event needs. Every adapter builds one per guarded request; the Fastify adapter
 * also builds a {@link RouteRequest} for each request to one of payauth's routes. Its lazy fields are getters: a spread (`{ ...request }`) would not copy them, so nothing spreads it.
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
  readonly #frameworkId: string | undefined;
  #requestId: string | undefined;

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
    this.#frameworkId = frameworkId;
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
    this.#requestId ??=
      this.#frameworkId !== undefined && REQUEST_ID.test(this.#frameworkId)
        ? this.#frameworkId
        : createRequestId();
    return this.#requestId;
  }
}

/** What a route's request carries besides a guard's: the `:name` values, and the body or why it could not be read. */
export interface RouteParts {
  readonly params: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  readonly bodyProblem?: BodyProblem | undefined;
}

/**
 * The {@link AuthRequest} of one of payauth's routes, as lazy as {@link GuardRequest}, with the route's parameters
 * and the body the adapter read (or the problem that kept it from reading one).
 *
 * @example
 * ```ts
 * const request = new RouteRequest('POST', headers, '/business/auth', address, undefined, { params: {}, body })
 * ```
 */
export class RouteRequest extends GuardRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly bodyProblem: BodyProblem | undefined;

  constructor(
    method: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    target: string,
    address: string,
    frameworkId: string | undefined,
    parts: RouteParts,
  ) {
    super(method, headers, target, address, frameworkId);
    this.params = parts.params;
    this.body = parts.body;
    this.bodyProblem = parts.bodyProblem;
  }
}
