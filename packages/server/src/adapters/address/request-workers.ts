// The fetch adapter's caller address on Cloudflare Workers (the `workerd` export condition of `#address/request`):
// Cloudflare sets `CF-Connecting-IP` on every request a Worker receives and replaces one the client sent, so it is
// the caller's address there — and only there, which is why no other runtime's file reads it.

/** The address of the caller of `request` as the runtime knows it, or undefined. */
export function platformAddress(request: Request, _platform?: unknown): string | undefined {
  return request.headers.get('cf-connecting-ip') ?? undefined;
}
