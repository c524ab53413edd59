// The Hono adapter's caller address where the runtime offers none (the `default` condition of `#address/context`:
// edge functions and other web-only runtimes): give the adapter an `address` option there.
import type { Context } from 'hono';

/** The caller's address as the runtime knows it: never known here. */
export function connectionAddress(_c: Context): string | undefined {
  return undefined;
}
