import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/**
 * The Node request behind a Hono context on @hono/node-server (`c.env.incoming`, or `c.env.server.incoming` as
 * `@hono/node-server/conninfo` also reads it), or undefined on every other runtime. Only property reads: no runtime
 * module is loaded.
 */
export function incomingOf(c: Context): IncomingMessage | undefined {
  const bindings = c.env as
    | { incoming?: IncomingMessage; server?: { incoming?: IncomingMessage } }
    | undefined;
  return bindings?.server?.incoming ?? bindings?.incoming;
}
