// The Hono adapter's caller address on Deno (the `deno` export condition of `#address/context`): hono's own helper,
// which reads the `info` that `Deno.serve(app.fetch)` passes as `c.env`.
import type { Context } from 'hono';
import { getConnInfo } from 'hono/deno';

/** The caller's address as the runtime knows it, or undefined (an app called without Deno.serve: `app.request`). */
export function connectionAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // getConnInfo throws a TypeError when c.env has no remoteAddr
  }
}
