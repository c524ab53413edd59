import { describe, expect, it } from 'vitest';
import { formatRejection, parseEvents } from './follow.ts';

describe('parseEvents', () => {
  it('returns complete events and keeps the unfinished rest', () => {
    expect(
      parseEvents('retry: 2000\n: connected\n\nid: 1\ndata: {"a":1}\n\n: heartbeat\n\ndata: {"b"'),
    ).toEqual({
      data: ['{"a":1}'],
      rest: 'data: {"b"',
    });
  });

  it('reads CRLF streams and multi-line data', () => {
    expect(parseEvents('data: one\r\ndata: two\r\n\r\n').data).toEqual(['one\ntwo']);
  });
});

describe('formatRejection', () => {
  it('prints one line with the advice in the chosen language', () => {
    const line = formatRejection(
      {
        at: '2026-11-25T10:00:00.000Z',
        mechanism: 'hmac',
        code: 'ERR_HMAC_TIMESTAMP_STALE',
        method: 'GET',
        path: '/api/accounts',
        requestId: 'abcdefghijklmnop',
        diagnosis: { en: 'too old', fr: 'trop vieux' },
      },
      'fr',
    );
    expect(line).toMatch(
      /^2026-11-25T10:00:00.000Z hmac +ERR_HMAC_TIMESTAMP_STALE +- GET \/api\/accounts abcdefghijklmnop — trop vieux$/,
    );
  });
});
