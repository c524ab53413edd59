/**
 * The one helper for "a value or a promise of it", kept only on the guards' hot paths, where the shared state is
 * in-process and the credential or token is cached: then a guard answers without making a promise, so a framework's
 * synchronous hook stays synchronous. It pays, measured in one process (`bench/sync-path.ts`, 12 interleaved samples
 * of 30,000 calls, two runs): the synchronous path costs 0.63–0.64 of the plain async path for the hmac guard and
 * 0.41–0.43 for the Bearer guard (bench/README.md, "Round 6"). `next` takes its arguments before the value, so the synchronous case
 * makes no closure. Everywhere else (token endpoints, the general guard path, the admin API) the code is plain async.
 *
 * @example
 * ```ts
 * return whenSettled(context.resolver.resolveById(claims.sub), checkCredential, guard, request, claims)
 * ```
 */
export function whenSettled<T, A, B, C, R>(
  value: T | Promise<T>,
  next: (a: A, b: B, c: C, value: T) => R | Promise<R>,
  a: A,
  b: B,
  c: C,
): R | Promise<R> {
  return value instanceof Promise ? value.then((settled) => next(a, b, c, settled)) : next(a, b, c, value);
}
