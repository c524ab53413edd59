import { describe, expect, it } from 'vitest';
import { testRequest } from '../../../../test/support/admin-host.ts';
import type { RejectionEvent } from '../admin/host.ts';
import type { NeutralResponse, Route } from '../http/types.ts';
import { createMetrics } from './metrics.ts';

function fakeHost(options: { storeDown?: boolean; stateDown?: boolean } = {}) {
  const listeners = new Set<(event: RejectionEvent) => void>();
  return {
    resolver: { lastPollError: options.storeDown ? new Error('down') : undefined },
    state: {
      peek: () =>
        options.stateDown ? Promise.reject(new Error('down')) : Promise.resolve({ count: 0, resetAt: 0 }),
    },
    onRejection(listener: (event: RejectionEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event: Partial<RejectionEvent>) {
      for (const listener of listeners) listener(event as RejectionEvent);
    },
    listeners,
  } as const;
}

const answering = (path: string, status: number): Route => ({
  method: path === '/business/balance' ? 'GET' : 'POST',
  path,
  handle: async (): Promise<NeutralResponse> => ({ status, headers: {}, body: '' }),
});

describe('createMetrics', () => {
  it('counts requests, tokens, latency, rejections and budget refusals', async () => {
    const host = fakeHost();
    const metrics = createMetrics(host as never, { processMetrics: false });
    const auth = metrics.instrument(answering('/business/auth', 200));
    const refused = metrics.instrument(answering('/business/auth', 401));
    await auth.handle(testRequest('POST', '/business/auth'));
    await auth.handle(testRequest('POST', '/business/auth'));
    await refused.handle(testRequest('POST', '/business/auth'));
    host.emit({ mechanism: 'api-key', code: 'ERR_API_KEY_CREDENTIALS_INVALID' });
    host.emit({ mechanism: 'hmac', code: 'ERR_RATE_LIMITED' });
    const text = (await metrics.route.handle(testRequest('GET', '/metrics'))).body;
    expect(text).toContain('payauth_requests_total{mechanism="api-key",outcome="accepted"} 2');
    expect(text).toContain('payauth_requests_total{mechanism="api-key",outcome="rejected"} 1');
    expect(text).toContain('payauth_tokens_issued_total{mechanism="api-key"} 2');
    expect(text).toContain(
      'payauth_rejections_total{mechanism="api-key",code="ERR_API_KEY_CREDENTIALS_INVALID"} 1',
    );
    expect(text).toContain('payauth_budget_refusals_total{mechanism="hmac"} 1');
    expect(text).toContain('payauth_request_duration_seconds_count{method="POST",route="/business/auth"} 3');
    expect(text).toContain('payauth_store_up 1');
    expect(text).toContain('payauth_state_up 1');
    metrics.close();
    expect(host.listeners.size).toBe(0);
  });

  it('reports the store and the shared state down', async () => {
    const metrics = createMetrics(fakeHost({ storeDown: true, stateDown: true }) as never, {
      processMetrics: false,
    });
    const text = (await metrics.route.handle(testRequest('GET', '/metrics'))).body;
    expect(text).toContain('payauth_store_up 0');
    expect(text).toContain('payauth_state_up 0');
    metrics.close();
  });

  it('keeps one registry per instance, and counts a thrown handler as an error', async () => {
    const first = createMetrics(fakeHost() as never);
    const second = createMetrics(fakeHost() as never);
    const failing = first.instrument({
      method: 'GET',
      path: '/health',
      handle: () => Promise.reject(new Error('boom')),
    });
    await expect(failing.handle(testRequest('GET', '/health'))).rejects.toThrow('boom');
    const answer = await first.route.handle(testRequest('GET', '/metrics'));
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expect(answer.body).toContain('payauth_requests_total{mechanism="none",outcome="error"} 1');
    expect(answer.body).toContain('process_cpu_user_seconds_total');
    expect((await second.route.handle(testRequest('GET', '/metrics'))).body).not.toContain('outcome="error"');
    first.close();
    second.close();
  });
});
