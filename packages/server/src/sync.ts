/**
 * The one helper for "a value or a promise of it", used only on the guards' hot paths, where the shared state is
 * in-process and the credential or token is cached: then a guard answers without making a promise, so a framework's
 * synchronous hook stays synchronous. Measured in one process (`bench/compare-trees.ts`, bench/README.md, "Round 6"):
 * the hmac guard's synchronous path costs SYNC_FIGURE of the same guard answering through promises. Everywhere
 * else (token endpoints, the general guard paths, the admin API) the code is plain async.
 *
 * @example
 * ```ts
 * return whenSettled(context.resolver.resolve('hmac', key), (credential) => verify(credential))
 * ```
 */
export function whenSettled<T, R>(value: T | Promise<T>, next: (value: T) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
