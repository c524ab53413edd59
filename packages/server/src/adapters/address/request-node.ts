// The fetch adapter's caller address on Node (the `node` export condition of `#address/request`): a fetch server on
// Node hands the handler no address, except @hono/node-server, whose `serve({ fetch })` passes `{ incoming }` (the
// Node request, holding the socket) as the second argument, as its own `getConnInfo` reads it.
import type { IncomingMessage } from 'node:http';

/** The address of the caller of `request` as the runtime knows it, or undefined. */
export function platformAddress(_request: Request, platform: unknown): string | undefined {
  const bindings = platform as
    | { incoming?: IncomingMessage; server?: { incoming?: IncomingMessage } }
    | undefined;
  return (bindings?.server?.incoming ?? bindings?.incoming)?.socket?.remoteAddress;
}
