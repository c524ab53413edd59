// The fetch adapter's caller address where the runtime offers none to a fetch handler (the `default` condition of
// `#address/request`: edge functions and other web-only runtimes): give the adapter an `address` option there.

/** The address of the caller of `request` as the runtime knows it: never known here. */
export function platformAddress(_request: Request, _platform?: unknown): string | undefined {
  return undefined;
}
