/**
 * True when two strings are equal, compared without an early exit: every code unit is read and combined, so the time
 * depends on the lengths only, never on where the first difference is. For the hot paths' comparisons of a presented
 * value with an expected one (hex digests, an apikey): `crypto.timingSafeEqual` needs both as Buffers, and making
 * them (hex decoding, two allocations) cost ~0.7 µs per comparison here against ~0.04 µs for this loop
 * (bench/README.md, round 4). The lengths are not secret: a digest's length is fixed by its algorithm.
 *
 * @example
 * ```ts
 * equalInConstantTime(expectedHex, presentedHex) // true or false
 * ```
 */
export function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}
