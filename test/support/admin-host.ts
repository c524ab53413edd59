import type { AdminHost } from '../../packages/server/src/admin/host.ts';
import type { AuthRequest } from '../../packages/server/src/http/types.ts';
import {
  adminHostOf,
  contextOf,
  createPayauth,
  type PayauthOptions,
} from '../../packages/server/src/payauth.ts';
import type { RejectionEvent } from '../../packages/server/src/rejection-events.ts';

/** A real payauth on `:memory:` (no HTTP), with a way to emit a rejection as the guards do (tests only). */
export async function createTestHost(
  options: Partial<PayauthOptions> = {},
): Promise<AdminHost & { emit(event: RejectionEvent): void; close(): Promise<void> }> {
  const payauth = await createPayauth({ store: ':memory:', issuer: 'http://127.0.0.1:9', ...options });
  return {
    ...adminHostOf(payauth),
    emit: (event: RejectionEvent) => contextOf(payauth).rejections.emit(event),
    close: () => payauth.close(),
  };
}

let counter = 0;

/** A neutral request from loopback (tests only). */
export function testRequest(
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    params?: Record<string, string>;
    address?: string;
  } = {},
): AuthRequest {
  counter++;
  return {
    method,
    path,
    headers: {
      host: '127.0.0.1:9',
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    query: options.query ?? {},
    ...(options.params ? { params: options.params } : {}),
    address: options.address ?? '127.0.0.1',
    requestId: `req${String(counter).padStart(13, '0')}`,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  };
}
