import { describe, expect, it } from 'vitest';
import { apiKey } from './auth/api-key.ts';
import { formatRehearsal, type RehearsalReport, rehearse } from './rehearsal.ts';

// The runner against the real sandbox, for the four presets, is test/client/rehearsal.test.ts and test/cli/rehearse.test.ts;
// here: its input checks, its report for a sandbox that plays nothing, and the table's layout.

const client = { baseUrl: 'http://api.test', auth: apiKey({ apiKey: 'key', apiSecret: 'secret' }) };

describe('rehearse', () => {
  it('checks its options: a client with a strategy, known scenario names', async () => {
    await expect(rehearse({ client: { baseUrl: 'http://api.test' } as never })).rejects.toThrow(/client/);
    await expect(rehearse({ client, scenarios: ['nope' as never] })).rejects.toThrow(/unknown scenario nope/);
  });

  it('fails, saying why, against a server that does not play the scenario', async () => {
    const fetch: typeof globalThis.fetch = async (input) =>
      String(input).endsWith('/business/auth')
        ? Response.json({ accessToken: 'a.b.c', expiresIn: 3600 })
        : Response.json({ currency: 'USD', balance: '1.00' });
    const report = await rehearse({
      client: { ...client, fetch },
      scenarios: ['rate-limited', 'malformed-token'],
    });
    expect(report.passed).toBe(false);
    expect(report.results.map((result) => [result.scenario, result.result, result.did])).toEqual([
      ['rate-limited', 'fail', 'token 200*, GET 200*'],
      ['malformed-token', 'fail', 'token 200*, GET 200'],
    ]);
    expect(report.results[0]!.problem).toMatch(/did not play rate-limited .*serve --demo/);
  });
});

describe('formatRehearsal', () => {
  it('a table, a line saying why under a failure, and the count', () => {
    const report: RehearsalReport = {
      label: 'wakapay',
      mechanism: 'api-key',
      passed: false,
      results: [
        { scenario: 'token-expired', result: 'pass', did: 'token 200, GET 401*', exchanges: [] },
        { scenario: 'slow', result: 'fail', did: 'GET 200*', problem: 'no request timed out', exchanges: [] },
      ],
    };
    expect(formatRehearsal(report).split('\n')).toEqual([
      'scenario       result  what the client did',
      'token-expired  pass    token 200, GET 401*',
      'slow           fail    GET 200*',
      '                       why: no request timed out',
      '',
      '* sent with Payauth-Scenario: the sandbox played the scenario on that request',
      'wakapay: 1 of 2 scenarios FAILED',
    ]);
  });
});
