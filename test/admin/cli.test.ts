import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHmacHeader } from '@payauth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, freePort, runPayauth, startPayauth, waitForOutput } from '../support/servers.ts';

let serve: CliProcess;
let url: string;
let adminToken: string;

beforeAll(async () => {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'payauth-admin-cli-'));
  serve = startPayauth(
    ['serve', '--demo', '--port', String(port), '--store', join(directory, 'payauth.db')],
    {
      env: { PAYAUTH_ADMIN_TOKEN: '' },
    },
  );
  await waitForOutput(serve, (stdout) => stdout.includes('admin token: '));
  url = `http://127.0.0.1:${port}`;
  adminToken = /admin token: (\S+)/.exec(serve.stdout)![1]!;
}, 60_000);
afterAll(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.exited;
});

describe('payauth serve --demo and payauth audit --follow', () => {
  it('prints the dashboard URL and a fresh admin token that opens the admin API; metrics are on', async () => {
    expect(serve.stdout).toContain(`dashboard: ${url}/dashboard/`);
    expect(adminToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const keys = await fetch(`${url}/admin/api/keys`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(keys.status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
  });

  it('follows the rejections live, with the advice in French', async () => {
    const follow = startPayauth(['audit', '--follow', '--url', url, '--lang', 'fr'], {
      env: { PAYAUTH_ADMIN_TOKEN: adminToken },
    });
    try {
      const deadline = Date.now() + 20_000;
      while (!follow.stderr.includes('following the rejections')) {
        if (Date.now() > deadline || follow.child.exitCode !== null) throw new Error(follow.stderr);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const header = formatHmacHeader({
        accessKey: 'k1rXpphkRG!2-Fox',
        secretKey: 'not-the-secret',
        timestamp: Date.now(),
      });
      expect((await fetch(`${url}/api/accounts`, { headers: { authorization: header } })).status).toBe(401);
      await waitForOutput(follow, (stdout) => stdout.includes('ERR_HMAC_SIGNATURE_MISMATCH'));
      expect(follow.stdout).toMatch(
        /hmac +ERR_HMAC_SIGNATURE_MISMATCH +k1rXpphkRG!2-Fox GET \/api\/accounts \S{16} — Signature incorrecte/,
      );
    } finally {
      follow.child.kill('SIGTERM');
      await follow.exited;
    }
  });

  it('says why it cannot follow', async () => {
    const refused = await runPayauth(['audit', '--follow', '--url', url, '--admin-token', 'x'.repeat(20)], {
      env: { PAYAUTH_ADMIN_TOKEN: '' },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused the event stream (401: wrong admin token)');
    const usage = await runPayauth(['audit', '--follow'], { env: { PAYAUTH_ADMIN_TOKEN: '' } });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--follow needs --url and --admin-token');
    const short = await runPayauth(['serve', '--admin-token', 'short', '--store', ':memory:', '--port', '0']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('--admin-token must be at least 16 characters');
  });
});
