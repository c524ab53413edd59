import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, freePort, runPayauth, startPayauth, waitForOutput } from '../support/servers.ts';

/** `payauth serve` as users start it, on a free port; resolves with its URL and admin token. */
async function serve(flags: string[]): Promise<{ process: CliProcess; url: string; token: string }> {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'payauth-scenario-cli-'));
  const process = startPayauth(
    ['serve', ...flags, '--port', String(port), '--store', join(directory, 'payauth.db')],
    { env: { PAYAUTH_ADMIN_TOKEN: '' } },
  );
  await waitForOutput(process, (stdout) => stdout.includes('dashboard: '));
  const token = /admin token: (\S+)/.exec(process.stdout)?.[1] ?? 'cli-test-admin-token-0123456789';
  return { process, url: `http://127.0.0.1:${port}`, token };
}

let demo: Awaited<ReturnType<typeof serve>>;
let plain: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  [demo, plain] = await Promise.all([
    serve(['--demo']),
    serve(['--admin-token', 'cli-test-admin-token-0123456789']),
  ]);
}, 60_000);
afterAll(async () => {
  for (const server of [demo, plain]) {
    server?.process.child.kill('SIGTERM');
    await server?.process.exited;
  }
});

const balanceToken = async (url: string, scenario?: string) => {
  const response = await fetch(`${url}/business/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(scenario ? { 'payauth-scenario': scenario } : {}) },
    body: JSON.stringify({ apiKey: 'your_api_key', apiSecret: 'your_api_secret' }),
  });
  return {
    status: response.status,
    applied: response.headers.get('payauth-scenario-applied'),
    body: await response.text(),
  };
};

describe('payauth scenario add|list|clear against payauth serve --demo', () => {
  it('arms, lists and clears; the armed scenario shapes the next matching requests', async () => {
    const env = { PAYAUTH_ADMIN_TOKEN: demo.token };
    const added = await runPayauth(
      [
        'scenario',
        'add',
        'rate-limited',
        '--times',
        '2',
        '--param',
        'retry-after=3',
        '--credential',
        'your_api_key',
        '--url',
        demo.url,
      ],
      { env },
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(
      /^armed scn_[A-Za-z0-9]{16} {2}rate-limited {8}2\/2 left {2}retry-after=3 {2}credential your_api_key\n$/,
    );
    const limited = await balanceToken(demo.url);
    expect(limited).toEqual({
      status: 429,
      applied: 'rate-limited',
      body: '{"code":0,"error":"too many failed attempts, retry later"}',
    });
    const listed = await runPayauth(['scenario', 'list', '--url', demo.url, '--json'], { env });
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ scenario: 'rate-limited', remaining: 1, times: 2, publicId: 'your_api_key' }),
    ]);
    const second = await runPayauth(['scenario', 'add', 'slow', '--param', 'ms=1', '--url', demo.url], {
      env,
    });
    expect(second.code).toBe(0);
    const cleared = await runPayauth(['scenario', 'clear', '--url', demo.url], { env });
    expect(cleared.code).toBe(0);
    expect(
      cleared.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('  ')[1]!.trim()),
    ).toEqual(['rate-limited', 'slow']);
    expect((await runPayauth(['scenario', 'list', '--url', demo.url], { env })).stdout).toBe(
      'no scenario armed\n',
    );
    expect(await balanceToken(demo.url)).toMatchObject({ status: 200, applied: null });
  });

  it('plays the Payauth-Scenario header on the standalone server', async () => {
    expect(await balanceToken(demo.url, 'server-error')).toEqual({
      status: 500,
      applied: 'server-error',
      body: '{"code":0,"error":"internal server error"}',
    });
    expect(await balanceToken(demo.url, 'teapot')).toMatchObject({ status: 400, applied: null });
  });

  it('says why it cannot: the server refused, a bad flag, no token', async () => {
    const env = { PAYAUTH_ADMIN_TOKEN: demo.token };
    const unknown = await runPayauth(['scenario', 'add', 'teapot', '--url', demo.url], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('refused (400: scenario must be one of token-expired');
    const badParam = await runPayauth(['scenario', 'add', 'slow', '--param', 'ms', '--url', demo.url], {
      env,
    });
    expect(badParam.code).toBe(2);
    expect(badParam.stderr).toContain('--param takes key=value');
    const missing = await runPayauth(['scenario', 'clear', 'scn_none', '--url', demo.url], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('refused (404: no armed scenario has this id)');
    const noToken = await runPayauth(['scenario', 'list', '--url', demo.url], {
      env: { PAYAUTH_ADMIN_TOKEN: '' },
    });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('--admin-token (or PAYAUTH_ADMIN_TOKEN) is required');
    const wrongToken = await runPayauth([
      'scenario',
      'list',
      '--url',
      demo.url,
      '--admin-token',
      'x'.repeat(20),
    ]);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toContain('refused (401: wrong admin token)');
  });
});

describe('payauth serve without --demo or --scenarios', () => {
  it('ignores the header, and the scenario routes are 404', async () => {
    const created = await runPayauth([
      'credentials',
      'create',
      'api-key',
      '--store',
      /store (\S+)\)/.exec(plain.process.stdout)![1]!,
      '--json',
    ]);
    const { apiKey, apiSecret } = JSON.parse(created.stdout) as { apiKey: string; apiSecret: string };
    const deadline = Date.now() + 10_000;
    let answer: Response;
    do {
      answer = await fetch(`${plain.url}/business/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'payauth-scenario': 'server-error' },
        body: JSON.stringify({ apiKey, apiSecret }),
      });
      // A created credential reaches the running server within its poll interval.
    } while (answer.status === 401 && Date.now() < deadline);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('payauth-scenario-applied')).toBeNull();
    const routes = await fetch(`${plain.url}/admin/api/scenarios`, {
      headers: { authorization: `Bearer ${plain.token}` },
    });
    expect(routes.status).toBe(404);
    const cli = await runPayauth(['scenario', 'list', '--url', plain.url, '--admin-token', plain.token]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('plays no scenario: start it with --demo or --scenarios');
  });
});
