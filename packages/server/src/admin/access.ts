import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidOptionError } from '@payauth/core';
import type { AuthRequest, NeutralResponse } from '../http/types.ts';
import { adminError } from './responses.ts';

/** Options of {@link createAdminAccess}. */
export interface AdminAccessOptions {
  /** The admin token (at least 16 characters). Sent as `Authorization: Bearer <token>`. */
  readonly token: string;
  /** Accept requests from non-loopback addresses (default false: loopback only). */
  readonly allowRemote?: boolean;
  /** The server's public base URL: its origin is the one allowed in an `Origin` header. */
  readonly issuer: string;
  /** More origins allowed in an `Origin` header (e.g. a dashboard served elsewhere). */
  readonly allowedOrigins?: readonly string[];
}

/** Is this client address the machine itself (127.0.0.0/8, ::1, or an IPv4-mapped loopback)? */
export function isLoopbackAddress(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || plain === '0:0:0:0:0:0:0:1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * May a request that carries this `Origin` header reach the admin API? Allowed: no `Origin` at all (curl, the CLI),
 * the issuer's origin, an origin listed in `allowed`, and a loopback origin equal to the request's own `Host` (the
 * dashboard opened at `http://127.0.0.1:P/`). Refused: any other site, `null`, and a non-loopback name that only
 * matches `Host` — a DNS-rebinding page has its own name in both `Origin` and `Host`.
 */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  issuer: string,
  allowed: readonly string[] = [],
): boolean {
  if (origin === undefined) return true;
  const sent = originOf(origin);
  if (sent === undefined) return false;
  if (sent === originOf(issuer) || allowed.some((entry) => originOf(entry) === sent)) return true;
  const parsed = new URL(sent);
  return LOOPBACK_HOSTS.has(parsed.hostname) && host !== undefined && parsed.host === host.toLowerCase();
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Builds the admin API's gate: loopback only (unless `allowRemote`), same-origin only when an `Origin` is sent
 * (CSRF; the API uses no cookie at all), and `Authorization: Bearer <admin token>` compared in constant time (both
 * sides hashed first, so neither the length nor the content leaks). Returns the refusal to send, or undefined.
 *
 * @example
 * ```ts
 * const gate = createAdminAccess({ token, issuer: 'http://127.0.0.1:8080' })
 * const refusal = gate(request); if (refusal) return refusal
 * ```
 */
export function createAdminAccess(
  options: AdminAccessOptions,
): (request: AuthRequest) => NeutralResponse | undefined {
  if (typeof options.token !== 'string' || options.token.length < 16 || /\s/.test(options.token)) {
    throw new InvalidOptionError('admin.token', 'at least 16 characters without spaces');
  }
  const expected = digest(options.token);
  const allowRemote = options.allowRemote === true;
  const allowedOrigins = options.allowedOrigins ?? [];
  return function checkAdminAccess(request) {
    if (!allowRemote && !isLoopbackAddress(request.address)) {
      return adminError('forbidden', 'the admin API answers loopback clients only (admin.allowRemote)');
    }
    const origin = request.headers.origin;
    if (
      Array.isArray(origin) ||
      !isAllowedOrigin(origin, single(request.headers.host), options.issuer, allowedOrigins)
    ) {
      return adminError('forbidden', 'cross-origin request refused');
    }
    const authorization = single(request.headers.authorization);
    const match = authorization === undefined ? null : /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) return adminError('unauthorized', 'send Authorization: Bearer <admin token>');
    if (!timingSafeEqual(digest(match[1]!), expected)) return adminError('unauthorized', 'wrong admin token');
    return undefined;
  };
}
