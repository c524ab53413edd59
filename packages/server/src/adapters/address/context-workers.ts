// The Hono adapter's caller address on Cloudflare Workers (the `workerd` export condition of `#address/context`):
// hono's own helper, which reads `CF-Connecting-IP` — set by Cloudflare on every request a Worker receives, and only
// trusted here.
import type { Context } from 'hono';
import { getConnInfo } from 'hono/cloudflare-workers';

/** The caller's address as the runtime knows it, or undefined. */
export function connectionAddress(c: Context): string | undefined {
  return getConnInfo(c).remote.address;
}
