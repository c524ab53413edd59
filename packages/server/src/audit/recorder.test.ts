import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../store/types.ts';
import { AuditRecorder } from './recorder.ts';

describe('AuditRecorder: successes counted per second', () => {
  it('one row per second, mechanism, credential and address, with the first request id, read once', async () => {
    const written: AuditEvent[] = [];
    const audit = new AuditRecorder({
      store: {
        appendAudit: async (events: readonly AuditEvent[]) => void written.push(...events),
      } as never,
      flushIntervalMs: 60_000,
    });
    let reads = 0;
    const request = (id: string) => ({
      get requestId() {
        reads++;
        return id;
      },
    });
    const at = 1_700_000_000_250;
    audit.recordSuccess(at, 'hmac', 'cred_a', '198.51.100.1', 'key-a', request('AAAAAAAAAAAAAAA1'));
    audit.recordSuccess(at + 100, 'hmac', 'cred_a', '198.51.100.1', 'key-a', request('AAAAAAAAAAAAAAA2'));
    audit.recordSuccess(at + 200, 'bearer', 'cred_a', '198.51.100.1', 'key-a', request('AAAAAAAAAAAAAAA3'));
    audit.recordSuccess(at + 300, 'hmac', 'cred_a', '198.51.100.2', 'key-a', request('AAAAAAAAAAAAAAA4'));
    audit.recordSuccess(at + 1000, 'hmac', 'cred_a', '198.51.100.1', 'key-a', request('AAAAAAAAAAAAAAA5'));
    // The old entry point counts into the same rows.
    audit.record({
      at: at + 1001,
      mechanism: 'hmac',
      publicId: 'key-a',
      credentialId: 'cred_a',
      outcome: 'success',
      reason: 'OK',
      address: '198.51.100.1',
      requestId: 'AAAAAAAAAAAAAAA6',
    });
    expect(reads).toBe(4);
    await audit.flush();
    expect(written.map((row) => [row.mechanism, row.address, row.requestId, row.count])).toEqual([
      ['hmac', '198.51.100.1', 'AAAAAAAAAAAAAAA1', 2],
      ['bearer', '198.51.100.1', 'AAAAAAAAAAAAAAA3', 1],
      ['hmac', '198.51.100.2', 'AAAAAAAAAAAAAAA4', 1],
      ['hmac', '198.51.100.1', 'AAAAAAAAAAAAAAA5', 2],
    ]);
    expect(written.every((row) => row.outcome === 'success' && row.reason === 'OK')).toBe(true);
    await audit.close();
  });

  it('in `each` mode every success is a row of its own', async () => {
    const written: AuditEvent[] = [];
    const audit = new AuditRecorder({
      store: { appendAudit: async (events: readonly AuditEvent[]) => void written.push(...events) } as never,
      successes: 'each',
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 3; i++)
      audit.recordSuccess(1000, 'api-key', 'cred_b', '::1', 'x'.repeat(100), {
        requestId: `BBBBBBBBBBBBBBB${i}`,
      });
    await audit.flush();
    expect(written.map((row) => [row.requestId, row.publicId?.length])).toEqual([
      ['BBBBBBBBBBBBBBB0', 64],
      ['BBBBBBBBBBBBBBB1', 64],
      ['BBBBBBBBBBBBBBB2', 64],
    ]);
    await audit.close();
  });
});
