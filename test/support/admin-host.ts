import { randomBytes } from 'node:crypto';
import type { AdminHost, RejectionEvent } from '../../packages/server/src/admin/host.ts';
import { AuditRecorder } from '../../packages/server/src/audit/recorder.ts';
import { CredentialResolver } from '../../packages/server/src/credentials/resolver.ts';
import { CredentialService } from '../../packages/server/src/credentials/service.ts';
import type { AuthRequest } from '../../packages/server/src/http/types.ts';
import { Envelope } from '../../packages/server/src/secrets/envelope.ts';
import { MemorySharedState } from '../../packages/server/src/state/memory.ts';
import { MemoryStore } from '../../packages/server/src/store/memory.ts';
import { TokenIssuer } from '../../packages/server/src/tokens/issuer.ts';

/** A host assembled from the real parts on a memory store, with a rejection emitter (tests only). */
export async function createTestHost(): Promise<
  AdminHost & {
    emit(event: RejectionEvent): void;
    close(): Promise<void>;
    store: MemoryStore;
    issuer: TokenIssuer;
  }
> {
  const store = new MemoryStore();
  await store.migrate();
  const envelope = new Envelope(randomBytes(32));
  const state = new MemorySharedState();
  const resolver = new CredentialResolver({ store, envelope, state });
  const issuer = await TokenIssuer.open({ store, envelope, issuer: 'http://127.0.0.1:9' });
  const audit = new AuditRecorder({ store });
  const listeners = new Set<(event: RejectionEvent) => void>();
  return {
    config: {
      issuer: 'http://127.0.0.1:9',
      hmac: { maxAgeMs: 300_000, maxFutureMs: 300_000 },
      privateKeyJwt: { algorithms: ['RS256'] },
    },
    store,
    state,
    issuer,
    resolver,
    audit,
    credentials: new CredentialService({ store, envelope }),
    now: Date.now,
    onRejection(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const listener of listeners) listener(event);
    },
    async close() {
      resolver.stop();
      await audit.close();
    },
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
