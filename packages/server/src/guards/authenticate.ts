import { InvalidOptionError, type Mechanism, mechanisms, mechanismTable, type Surface } from '@payauth/core';
import type { AuthContext } from '../context.ts';
import type { AuthRequest, GuardResult } from '../http/types.ts';
import { createBearerGuard } from './bearer.ts';
import { createHmacGuard } from './hmac.ts';

/**
 * Checks one request for one mechanism. Answers without a promise when nothing had to wait (in-process shared state,
 * a cached credential or token): `await` works on both.
 */
export type Guard = (request: AuthRequest) => GuardResult | Promise<GuardResult>;

/** The documented failure answer of each mechanism's protected resources (the mechanism table's `guardSurface`). */
export const GUARD_SURFACE: Readonly<Record<Mechanism, Surface>> = Object.freeze(
  Object.fromEntries(
    mechanisms.map((mechanism) => [mechanism, mechanismTable[mechanism].guardSurface]),
  ) as Record<Mechanism, Surface>,
);

/**
 * Builds the guard of each mechanism once: `hmac` checks the signed `AUTH` header; the three token mechanisms check a
 * Bearer token issued by their own token endpoint (and, for `private-key-jwt`, the `apikey` header of the same
 * client). A guard accepts its own mechanism only.
 *
 * @example
 * ```ts
 * const guards = createGuards(context); const result = await guards.hmac(request)
 * ```
 */
export function createGuards(
  context: AuthContext,
  surfaces: Readonly<Record<Mechanism, Surface>> = GUARD_SURFACE,
): Readonly<Record<Mechanism, Guard>> {
  return {
    hmac: createHmacGuard(context),
    'app-token': createBearerGuard(context, { surface: surfaces['app-token'], mechanisms: ['app-token'] }),
    'private-key-jwt': createBearerGuard(context, {
      surface: surfaces['private-key-jwt'],
      mechanisms: ['private-key-jwt'],
      requireApikey: true,
    }),
    'api-key': createBearerGuard(context, { surface: surfaces['api-key'], mechanisms: ['api-key'] }),
  };
}

/** Throws a coded `TypeError` (`ERR_INVALID_OPTION`) unless `value` is one of the four mechanism names. */
export function assertMechanism(value: unknown): asserts value is Mechanism {
  if (!(mechanisms as readonly unknown[]).includes(value)) {
    throw new InvalidOptionError('mechanism', `one of ${mechanisms.join(', ')}`);
  }
}
