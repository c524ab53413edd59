// The fetch adapter's caller address on Deno (the `deno` export condition of `#address/request`): `Deno.serve(handler)`
// passes `info` as the handler's second argument, whose `remoteAddr` is the caller's.

/** The address of the caller of `request` as the runtime knows it, or undefined. */
export function platformAddress(_request: Request, platform: unknown): string | undefined {
  return (platform as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname;
}
