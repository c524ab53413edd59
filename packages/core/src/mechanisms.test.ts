import { describe, expect, it } from 'vitest';
import { mechanisms } from './errors/codes.ts';
import { assertionAudiences, mechanismOfPath, mechanismOfPreset, mechanismTable } from './mechanisms.ts';

describe('the mechanism table', () => {
  it('has one row per mechanism, keyed by its own name, in the documents order', () => {
    expect(Object.keys(mechanismTable)).toEqual([...mechanisms]);
    for (const mechanism of mechanisms) expect(mechanismTable[mechanism].mechanism).toBe(mechanism);
  });

  it('states the documented paths (SPEC.md)', () => {
    expect(mechanismTable['app-token'].tokenPath).toBe('/authorizer/token/application/get');
    expect(mechanismTable['private-key-jwt'].tokenPath).toBe('/connect/token');
    expect(mechanismTable['api-key'].tokenPath).toBe('/business/auth');
    expect(mechanismTable.hmac.tokenPath).toBeUndefined();
    expect(mechanismOfPath('/business/balance')).toBe('api-key');
    expect(mechanismOfPath('/health')).toBeUndefined();
    expect(mechanismOfPreset('emoney')).toBe('private-key-jwt');
    expect(() => mechanismOfPreset('nope' as never)).toThrow(TypeError);
  });

  it('accepts the token endpoint, the issuer and the issuer with a slash as audiences', () => {
    expect(assertionAudiences('https://a.example')).toEqual([
      'https://a.example/connect/token',
      'https://a.example',
      'https://a.example/',
    ]);
  });
});
