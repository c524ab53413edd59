import { Command, Option } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bindEnvironment, environmentVariable, parseBooleanVariable } from './environment.ts';
import { UsageError } from './output.ts';

/** A command like `serve`: a flag with a default, one without, a boolean; its action returns what it saw. */
function build(): { command: Command; seen: () => Record<string, unknown> } {
  let seen: Record<string, unknown> = {};
  const program = new Command('payauth').exitOverride();
  const command = program
    .command('serve')
    .option('--store <store>', 'where', './payauth.db')
    .option('--admin-token <token>', 'token')
    .option('--hmac-single-use', 'once')
    .addOption(new Option('--token-alg <alg>', 'algorithm').choices(['EdDSA', 'RS256']).default('EdDSA'))
    .action((options: Record<string, unknown>) => {
      seen = options;
    });
  bindEnvironment(command);
  return { command: program, seen: () => seen };
}

describe('serve flags from PAYAUTH_* variables', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('names the variable after the flag, in upper snake case', () => {
    expect(environmentVariable('--store')).toBe('PAYAUTH_STORE');
    expect(environmentVariable('--admin-token')).toBe('PAYAUTH_ADMIN_TOKEN');
    expect(environmentVariable('--max-connections-per-address')).toBe('PAYAUTH_MAX_CONNECTIONS_PER_ADDRESS');
  });

  it('takes a value from its variable, and the flag wins over it', async () => {
    vi.stubEnv('PAYAUTH_STORE', '/data/payauth.db');
    const { command, seen } = build();
    await command.parseAsync(['serve'], { from: 'user' });
    expect(seen().store).toBe('/data/payauth.db');
    const again = build();
    await again.command.parseAsync(['serve', '--store', ':memory:'], { from: 'user' });
    expect(again.seen().store).toBe(':memory:');
  });

  it('an empty variable counts as unset: the default applies', async () => {
    vi.stubEnv('PAYAUTH_STORE', '');
    vi.stubEnv('PAYAUTH_ADMIN_TOKEN', '');
    const { command, seen } = build();
    await command.parseAsync(['serve'], { from: 'user' });
    expect(seen().store).toBe('./payauth.db');
    expect(seen().adminToken).toBeUndefined();
  });

  it.each([
    ['1', true],
    ['true', true],
    ['YES', true],
    ['on', true],
    ['0', false],
    ['false', false],
    ['No', false],
    ['off', false],
    ['', false],
  ])('a boolean flag from %j is %s', async (value, expected) => {
    vi.stubEnv('PAYAUTH_HMAC_SINGLE_USE', value);
    const { command, seen } = build();
    await command.parseAsync(['serve'], { from: 'user' });
    expect(seen().hmacSingleUse).toBe(expected);
  });

  it('a boolean flag on the command line wins over a variable that says off', async () => {
    vi.stubEnv('PAYAUTH_HMAC_SINGLE_USE', 'false');
    const { command, seen } = build();
    await command.parseAsync(['serve', '--hmac-single-use'], { from: 'user' });
    expect(seen().hmacSingleUse).toBe(true);
  });

  it('any other boolean value is a usage error naming the variable', async () => {
    vi.stubEnv('PAYAUTH_HMAC_SINGLE_USE', 'flase');
    const { command } = build();
    await expect(command.parseAsync(['serve'], { from: 'user' })).rejects.toThrow(UsageError);
    expect(() => parseBooleanVariable('PAYAUTH_DEMO', 'maybe')).toThrow(/^PAYAUTH_DEMO must be one of/);
  });

  it("a value outside the flag's choices is a usage error naming the variable", async () => {
    vi.stubEnv('PAYAUTH_TOKEN_ALG', 'RS256');
    const { command, seen } = build();
    await command.parseAsync(['serve'], { from: 'user' });
    expect(seen().tokenAlg).toBe('RS256');
    vi.stubEnv('PAYAUTH_TOKEN_ALG', 'HS256');
    await expect(build().command.parseAsync(['serve'], { from: 'user' })).rejects.toThrow(
      /^PAYAUTH_TOKEN_ALG: Allowed choices are EdDSA, RS256/,
    );
  });

  it('--help shows each variable beside its flag', () => {
    const { command } = build();
    const help = command.commands[0]!.helpInformation();
    for (const name of ['PAYAUTH_STORE', 'PAYAUTH_ADMIN_TOKEN', 'PAYAUTH_HMAC_SINGLE_USE']) {
      expect(help).toContain(name);
    }
  });
});
