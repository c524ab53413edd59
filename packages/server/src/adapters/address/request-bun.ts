// The fetch adapter's caller address on Bun (the `bun` export condition of `#address/request`): `Bun.serve({ fetch })`
// passes the server as the handler's second argument, and `server.requestIP(request)` knows the socket's address.

/** The address of the caller of `request` as the runtime knows it, or undefined. */
export function platformAddress(request: Request, platform: unknown): string | undefined {
  const server = platform as { requestIP?: (request: Request) => { address?: string } | null } | undefined;
  return typeof server?.requestIP === 'function'
    ? (server.requestIP(request)?.address ?? undefined)
    : undefined;
}
