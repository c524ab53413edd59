import type { Mechanism, Surface } from '@payauth/core';

/**
 * A request as payauth's neutral code sees it, built by each adapter from its framework's request. Header names are
 * lower-case; a header sent more than once is an array (adapters build headers from the raw list, so that an
 * ambiguous request — two `Authorization` headers — is seen as such, not silently reduced to one).
 */
export interface AuthRequest {
  readonly method: string;
  /** The URL path without the query string. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  /** Values of the route's `:name` segments. */
  readonly params?: Readonly<Record<string, string>>;
  /** The client's address (after the framework's trust-proxy rules), for failure budgets and the audit trail. */
  readonly address: string;
  /** 16 characters; Fondy's `request_id`. */
  readonly requestId: string;
  /** The raw body, for routes that read one. */
  readonly body?: string;
  /** Set by the adapter instead of `body` when the body could not be read within the limits. */
  readonly bodyProblem?: BodyProblem;
}

/** Why a body could not be read: larger than {@link BODY_LIMIT}, or broken (aborted, bad encoding). */
export type BodyProblem = 'too-large' | 'unreadable';

/** Largest request body read (the token endpoints' bodies are < 10 KiB). */
export const BODY_LIMIT = 64 * 1024;

/** What goes on the wire. Adapters copy it as it is. */
export interface NeutralResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body, byte for byte as documented. */
  readonly body: string;
  /** Written after the headers instead of `body` (Server-Sent Events). */
  readonly stream?: AsyncIterable<string>;
}

/** What answers a neutral request: a route's `handle`, a token endpoint. */
export type RequestHandler = (request: AuthRequest) => Promise<NeutralResponse>;

/** One route of the table. Adapters loop over the table; they never choose a status, a header or a body. */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path, with `:name` segments for parameters. */
  readonly path: string;
  /** The documented error shape for answers the route itself does not produce (unreadable body, 503). */
  readonly surface?: Surface;
  /** The route reads a body (adapters read it raw, bounded by {@link BODY_LIMIT}). */
  readonly readsBody?: boolean;
  handle(request: AuthRequest): Promise<NeutralResponse>;
}

/** Who a request authenticated as. */
export interface Principal {
  readonly mechanism: Mechanism;
  readonly credentialId: string;
  /** The `partner` given when the credential was created. */
  readonly partnerId: string;
  /** The access key, application id, client id or api key. */
  readonly publicId: string;
}

/** A guard's answer: a principal, or the response to send. */
export type GuardResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly response: NeutralResponse };
