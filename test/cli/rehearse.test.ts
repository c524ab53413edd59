import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, freePort, runPayauth, startPayauth, waitForOutput } from '../support/servers.ts';

// `payauth rehearse` against `payauth serve --demo`, as a team's pipeline runs it (docs/rehearsal.md): every scenario
// passes for each of the four presets, and the command exits 0; against a server that does not play scenarios it
// fails, exit 1, and says why.

let folder: string;
let sandbox: CliProcess;
let url: string;

/** The demo credentials of each preset, as `payauth serve --demo` prints them. */
function credentials(preset: string): string[] {
  switch (preset) {
    case 'api-money':
      return ['--access-key', 'k1rXpphkRG!2-Fox', '--secret-key', 'E0!oYfVpA6-noiqGr-pT7AJ2ybT4r7lx'];
    case 'fondy':
      return ['--application-id', '1234', '--secret-key', 'fondy-demo-secret-1234'];
    case 'emoney':
      return [
        '--client-id',
        'emoney-demo-client',
        '--api-key',
        'emoney-demo-api-key',
        '--pfx',
        join(folder, 'payauth-demo', 'emoney-client.pfx'),
        '--password',
        'demo-password',
      ];
    default:
      return ['--api-key', 'your_api_key', '--api-secret', 'your_api_secret'];
  }
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'payauth-rehearse-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  sandbox = startPayauth(['serve', '--demo', '--port', String(port), '--store', join(folder, 'store.db')]);
  await waitForOutput(sandbox, (stdout) => stdout.includes(url), 60_000);
}, 90_000);

afterAll(async () => {
  sandbox?.child.kill('SIGTERM');
  await sandbox?.exited;
  rmSync(folder, { recursive: true, force: true });
});

describe('payauth rehearse against payauth serve --demo', () => {
  it.each(['wakapay', 'fondy', 'emoney', 'api-money'])(
    '%s passes every scenario, exit 0',
    { timeout: 120_000 },
    async (preset) => {
      const result = await runPayauth([
        'rehearse',
        '--preset',
        preset,
        '--base-url',
        url,
        ...credentials(preset),
      ]);
      expect(result.stderr).toBe('');
      expect(result.code, result.stdout).toBe(0);
      const rows = result.stdout.split('\n').filter((line) => /^[a-z-]+\s+(pass|fail|n\/a)\s/.test(line));
      expect(rows.map((row) => row.split(/\s+/)[0])).toEqual([
        'token-expired',
        'credential-revoked',
        'rate-limited',
        'unavailable',
        'server-error',
        'slow',
        'clock-skew',
        'malformed-token',
        'key-rotated',
      ]);
      expect(rows.filter((row) => /^\S+\s+fail\s/.test(row))).toEqual([]);
      expect(result.stdout).toContain(`${preset}: every scenario passed`);
    },
  );

  it('--json gives the same report as one object; --scenario narrows it', async () => {
    const result = await runPayauth([
      'rehearse',
      '--preset',
      'wakapay',
      '--base-url',
      url,
      ...credentials('wakapay'),
      '--scenario',
      'token-expired',
      '--scenario',
      'malformed-token',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ label: 'wakapay', mechanism: 'api-key', passed: true });
    expect(report.results.map((r: { scenario: string }) => r.scenario)).toEqual([
      'token-expired',
      'malformed-token',
    ]);
  });

  it('a wrong secret fails the scenarios that need a token, exit 1, one line each saying why', async () => {
    const result = await runPayauth([
      'rehearse',
      '--preset',
      'wakapay',
      '--base-url',
      url,
      '--api-key',
      'your_api_key',
      '--api-secret',
      'wrong-secret',
      '--scenario',
      'token-expired',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/token-expired\s+fail\s/);
    expect(result.stdout).toMatch(/why: /);
    expect(result.stdout).not.toContain('wrong-secret');
  });

  it('usage errors: an unknown scenario, a bad timeout, exit 2', async () => {
    const base = ['rehearse', '--preset', 'wakapay', '--base-url', url, ...credentials('wakapay')];
    expect((await runPayauth([...base, '--scenario', 'nope'])).code).toBe(2);
    expect((await runPayauth([...base, '--timeout', 'soon'])).code).toBe(2);
  });
});
