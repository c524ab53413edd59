import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vectors from '@payauth/core/vectors.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { runPayauth } from '../support/servers.ts';

// Issue 11, "The CLI": commands that did something else than what they say.

const v = vectors.hmac[0]!;
const sign = ['sign', 'hmac', '--access-key', v.accessKey, '--secret-key', v.secretKey];
const oneLine = (text: string) => text.trim().split('\n').length === 1;

describe('sign hmac --version', () => {
  it("is the subcommand's option, not the program's version", async () => {
    for (const version of [['--version', '1'], ['--version=1']]) {
      const result = await runPayauth([...sign, '--timestamp', String(v.timestamp), ...version]);
      expect(result).toMatchObject({ code: 0, stdout: `${v.header}\n` });
    }
    expect((await runPayauth(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('refuses a version other than 1 with a usage error, since only 1 exists', async () => {
    for (const version of [['--version', '2'], ['--version=2']]) {
      const result = await runPayauth([...sign, ...version]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/only version 1/);
    }
  });
});

describe('a mistyped flag', () => {
  it('is reported as unknown with the nearest name, even when a required option is missing', async () => {
    const result = await runPayauth([
      'sign',
      'hmac',
      '--acess-key',
      v.accessKey,
      '--secret-key',
      v.secretKey,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--acess-key'");
    expect(result.stderr).toContain('--access-key');
    expect(result.stderr).not.toContain('required option');
  });

  it('a missing required option is still named when nothing is mistyped', async () => {
    const result = await runPayauth(['sign', 'hmac', '--secret-key', v.secretKey]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--access-key <key>' not specified");
  });
});

describe('a store that does not exist', () => {
  it('is refused by the commands that only read it: exit 2, one line naming it, no file created', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'payauth-missing-'));
    const store = join(directory, 'typo.db');
    for (const args of [
      ['audit', '--store', store],
      ['credentials', 'list', '--store', store],
      ['credentials', 'revoke', 'cred_x', '--store', store],
      ['keys', 'list', '--store', store],
    ]) {
      const result = await runPayauth(args, { cwd: directory });
      expect(result.code, args.join(' ')).toBe(2);
      expect(oneLine(result.stderr), result.stderr).toBe(true);
      expect(result.stderr).toContain(store);
      expect(readdirSync(directory), args.join(' ')).toEqual([]);
    }
  });

  it('serve --store in a missing directory: one line naming the path, exit 2', async () => {
    const store = join(tmpdir(), `payauth-no-such-dir-${process.pid}`, 'x.db');
    const result = await runPayauth(['serve', '--port', '0', '--store', store]);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr), result.stderr).toBe(true);
    expect(result.stderr).toContain(store);
    expect(existsSync(join(store, '..'))).toBe(false);
  });
});

describe('a PAYAUTH_MASTER_KEY placeholder', () => {
  it('is refused in one line that says how to make a key', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'payauth-master-key-'));
    const result = await runPayauth(['serve', '--port', '0', '--store', join(directory, 'x.db')], {
      env: { PAYAUTH_MASTER_KEY: '…' },
    });
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr), result.stderr).toBe(true);
    expect(result.stderr).toContain('openssl rand -hex 32');
  });
});

describe('token without --base-url', () => {
  it('names the URL it tried, the cause, and the missing option', async () => {
    const result = await runPayauth(['token', 'wakapay', '--api-key', 'k', '--api-secret', 's'], {
      env: { PAYAUTH_BASE_URL: '' },
    });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr), result.stderr).toBe(true);
    expect(result.stderr).toContain('https://api.test.wakapay.io/business/auth');
    expect(result.stderr).toMatch(/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/);
    expect(result.stderr).toContain('--base-url');
    expect(result.stderr).not.toContain(' s ');
  });
});

describe('sign hmac --timestamp', () => {
  it('warns about 11 digits (neither seconds nor milliseconds), and still signs', async () => {
    const result = await runPayauth([...sign, '--timestamp', '16726501331']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^AUTH /);
    expect(result.stderr).toMatch(/warning: --timestamp 16726501331 has 11 digits/);
  });

  it('says nothing about 13 digits', async () => {
    const result = await runPayauth([...sign, '--timestamp', String(v.timestamp)]);
    expect(result.stderr).toBe('');
  });
});

describe('doctor hmac with access key and secret swapped', () => {
  const swappedHeader = (timestamp: number) =>
    runPayauth([
      'sign',
      'hmac',
      '--access-key',
      v.secretKey,
      '--secret-key',
      v.accessKey,
      '--timestamp',
      String(timestamp),
    ]);

  it('reports KEY_AND_SECRET_SWAPPED once, with the same severity word on every line, in French too', async () => {
    const now = Date.now();
    const header = (await swappedHeader(now)).stdout.trim();
    const args = [
      'doctor',
      'hmac',
      '--header',
      header,
      '--access-key',
      v.accessKey,
      '--secret-key',
      v.secretKey,
      '--now',
      String(now),
    ];
    const json = await runPayauth([...args, '--json']);
    const codes = JSON.parse(json.stdout).findings.map((finding: { code: string }) => finding.code);
    expect(codes.filter((code: string) => code === 'KEY_AND_SECRET_SWAPPED')).toHaveLength(1);
    const french = await runPayauth([...args, '--lang', 'fr']);
    expect(french.code).toBe(1);
    const lines = french.stdout.trim().split('\n');
    expect(lines.filter((line) => line.includes('KEY_AND_SECRET_SWAPPED'))).toHaveLength(1);
    for (const line of lines) expect(line).toMatch(/^(erreur|avertissement|info) /);
    // An older timestamp adds a second error: still the same word.
    const stale = (await swappedHeader(now - 3_600_000)).stdout.trim();
    const two = await runPayauth([...args.slice(0, 3), stale, ...args.slice(4), '--lang', 'fr']);
    const staleLines = two.stdout.trim().split('\n');
    expect(staleLines.length).toBeGreaterThan(1);
    for (const line of staleLines) expect(line).toMatch(/^(erreur|avertissement|info) /);
  });
});
