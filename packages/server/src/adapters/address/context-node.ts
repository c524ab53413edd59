// The Hono adapter's caller address on Node (the `node` export condition of `#address/context`): on @hono/node-server
// the Node request is in `c.env.incoming` (or `c.env.server.incoming`) and its socket has the address — what
// `@hono/node-server/conninfo`'s `getConnInfo` reads, without making that package a dependency of Hono apps that run
// on Node some other way.
import type { Context } from 'hono';
import { incomingOf } from './incoming.ts';

/** The caller's address as the runtime knows it, or undefined. */
export function connectionAddress(c: Context): string | undefined {
  return incomingOf(c)?.socket?.remoteAddress;
}
