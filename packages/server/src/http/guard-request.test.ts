import { describe, expect, it } from 'vitest';
import { GuardRequest } from './guard-request.ts';

describe('GuardRequest', () => {
  it('splits the target and draws a request id only when read, once', () => {
    const request = new GuardRequest(
      'GET',
      { host: 'a' },
      '/api/accounts?currency=EUR&x=1&x=2',
      '198.51.100.7',
    );
    expect(request.address).toBe('198.51.100.7');
    expect(request.path).toBe('/api/accounts');
    expect(request.query).toEqual({ currency: 'EUR', x: ['1', '2'] });
    const id = request.requestId;
    expect(id).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(request.requestId).toBe(id);
  });

  it("keeps a framework's id of Fondy's shape, and replaces any other", () => {
    expect(new GuardRequest('GET', {}, '/', 'a', 'AbCdEfGh12345678').requestId).toBe('AbCdEfGh12345678');
    const other = new GuardRequest('GET', {}, '/', 'a', 'req-1').requestId;
    expect(other).not.toBe('req-1');
    expect(other).toMatch(/^[A-Za-z0-9]{16}$/);
  });
});
