// The Hono adapter's caller address on Bun (the `bun` export condition of `#address/context`): hono's own helper,
// which asks the server that `Bun.serve({ fetch: app.fetch })` passes as `c.env`.
import type { Context } from 'hono';
import { getConnInfo } from 'hono/bun';

/** The caller's address as the runtime knows it, or undefined (an app called without a Bun server: `app.request`). */
export function connectionAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // getConnInfo throws a TypeError when c.env is not a Bun server
  }
}
