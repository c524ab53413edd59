// Placeholder with the exact names of the team brief, until main's http/types.ts lands (then main's wins).
import type { Surface } from '@payauth/core';

/** A request as payauth's neutral code sees it. Header names lower-case; a repeated header is an array. */
export interface AuthRequest {
  readonly method: string;
  /** URL path without the query. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  /** From `:name` segments of the route path. */
  readonly params?: Readonly<Record<string, string>>;
  /** Client address (after trust-proxy). */
  readonly address: string;
  /** 16 characters. */
  readonly requestId: string;
  /** Raw body (routes with readsBody). */
  readonly body?: string;
  readonly bodyProblem?: 'too-large' | 'unreadable';
}

/** What goes on the wire. `stream` (optional) is written after the headers instead of `body` (SSE). */
export interface NeutralResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  stream?: AsyncIterable<string>;
}

/** One route. Adapters loop over the table; they never choose a status, header or body. */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** E.g. '/admin/api/credentials/:id/revoke'. */
  readonly path: string;
  /** Documented error shape for body problems / 503. */
  readonly surface?: Surface;
  readonly readsBody?: boolean;
  handle(request: AuthRequest): Promise<NeutralResponse>;
}
