import { afterEach, describe, expect, it } from 'vitest';
import { type CliProcess, freePort, runPayauth, startPayauth, waitForOutput } from '../support/servers.ts';

// SPEC.md, "Run as a service": every `payauth serve` flag from PAYAUTH_*, the flag winning over its variable.
describe('payauth serve configured by PAYAUTH_* variables', () => {
  let running: CliProcess | undefined;
  afterEach(async () => {
    running?.child.kill('SIGTERM');
    if (running) expect(await running.exited).toBe(0);
    running = undefined;
  });

  it('--help names the variable of every flag', async () => {
    const { code, stdout } = await runPayauth(['serve', '--help']);
    expect(code).toBe(0);
    const flags = [...stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map((match) => match[1]!);
    expect(flags.length).toBeGreaterThan(20);
    for (const flag of flags) {
      expect(stdout).toContain(`PAYAUTH_${flag.replace(/-/g, '_').toUpperCase()}`);
    }
  });

  it('serves from variables alone: port, store, hints', async () => {
    const port = await freePort();
    running = startPayauth(['serve'], {
      env: {
        PAYAUTH_PORT: String(port),
        PAYAUTH_STORE: ':memory:',
        PAYAUTH_HINTS: 'true',
        PAYAUTH_LOG_LEVEL: 'silent',
      },
    });
    await waitForOutput(running, (out) => out.includes(`http://127.0.0.1:${port}`));
    const refused = await fetch(`http://127.0.0.1:${port}/api/accounts`);
    expect(refused.status).toBe(401);
    // PAYAUTH_HINTS=true turned the hints on.
    expect(refused.headers.get('payauth-hint')).toMatch(/^ERR_/);
    expect(running.stdout).toContain('(store :memory:)');
  });

  it('a flag wins over its variable, and a boolean variable that says off leaves it off', async () => {
    const [fromVariable, fromFlag] = [await freePort(), await freePort()];
    running = startPayauth(['serve', '--port', String(fromFlag), '--store', ':memory:'], {
      env: { PAYAUTH_PORT: String(fromVariable), PAYAUTH_STORE: '/nowhere/x.db', PAYAUTH_HINTS: '0' },
    });
    await waitForOutput(running, (out) => out.includes(`http://127.0.0.1:${fromFlag}`));
    const refused = await fetch(`http://127.0.0.1:${fromFlag}/api/accounts`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('payauth-hint')).toBeNull();
  });

  it('a variable with a wrong value is a usage error naming it (exit 2, one line)', async () => {
    for (const env of [{ PAYAUTH_DEMO: 'maybe' }, { PAYAUTH_TOKEN_ALG: 'HS256' }, { PAYAUTH_PORT: 'http' }]) {
      const result = await runPayauth(['serve', '--store', ':memory:'], { env });
      expect(result.code, JSON.stringify(env)).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    const boolean = await runPayauth(['serve', '--store', ':memory:'], { env: { PAYAUTH_DEMO: 'maybe' } });
    expect(boolean.stderr).toContain('PAYAUTH_DEMO must be one of');
    const state = await runPayauth(['serve', '--store', ':memory:'], { env: { PAYAUTH_STATE: 'postgres' } });
    expect([state.code, state.stderr.trim()]).toEqual([
      2,
      'payauth: --state postgres needs a postgres:// --store',
    ]);
    const choice = await runPayauth(['serve', '--store', ':memory:'], {
      env: { PAYAUTH_TOKEN_ALG: 'HS256' },
    });
    expect(choice.stderr).toContain('PAYAUTH_TOKEN_ALG');
  });
});
