import type { Command, Option } from 'commander';
import { UsageError } from './output.ts';

/** The values a boolean flag's variable may hold, in any case: on, then off. */
const TRUE_VALUES = new Set(['1', 'true', 'yes', 'on']);
const FALSE_VALUES = new Set(['', '0', 'false', 'no', 'off']);

/**
 * The variable that sets a flag: `PAYAUTH_` and the flag's long name in upper snake case
 * (`--admin-token` → `PAYAUTH_ADMIN_TOKEN`), SPEC.md, "Run as a service".
 *
 * @example
 * ```ts
 * environmentVariable('--store') // 'PAYAUTH_STORE'
 * ```
 */
export function environmentVariable(flag: string): string {
  return `PAYAUTH_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

/**
 * Reads a boolean flag's variable: `1`, `true`, `yes`, `on` turn it on; `0`, `false`, `no`, `off` and an empty value
 * leave it off (any case). Anything else is a usage error naming the variable, so `PAYAUTH_DEMO=flase` is never
 * silently taken for "on" (commander alone treats any set variable as on).
 */
export function parseBooleanVariable(name: string, value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (TRUE_VALUES.has(normalized)) return true;
  if (FALSE_VALUES.has(normalized)) return false;
  throw new UsageError(`${name} must be one of 1, true, yes, on (on) or 0, false, no, off, empty (off)`);
}

/**
 * Lets every long flag of `command` be set from its `PAYAUTH_*` variable (commander's `Option.env()`, so `--help`
 * shows `(env: PAYAUTH_…)` beside each flag); a flag on the command line wins over its variable (commander reads
 * variables after the command line, and only for flags it did not see there). Call it once every option is added.
 *
 * Commander registers its own reader of a variable when the option is added, so for the options added before
 * `.env()` is set here, this reads the variable instead: a boolean flag's by {@link parseBooleanVariable} (commander
 * alone takes any set variable for "on"); a flag that takes a value through the option's own parser (`choices`), its
 * error naming the variable; an empty value as unset, so the default applies, as an empty `environment:` entry in a
 * compose file should.
 *
 * @example
 * ```ts
 * bindEnvironment(program.command('serve').option('--store <store>', 'where', './payauth.db'))
 * ```
 */
export function bindEnvironment(command: Command): Command {
  for (const option of command.options) {
    if (option.long === undefined || option.negate || option.envVar !== undefined) continue;
    const variable = environmentVariable(option.long);
    option.env(variable);
    command.on(`optionEnv:${option.name()}`, () => applyVariable(command, option, variable));
  }
  command.addHelpText(
    'after',
    '\nEvery flag can be set from the variable shown beside it; a flag given on the command line wins.\n' +
      'A flag without a value is on for 1, true, yes or on, and off for 0, false, no, off or empty.',
  );
  return command;
}

/** Sets one option from its variable (see {@link bindEnvironment}). */
function applyVariable(command: Command, option: Option, variable: string): void {
  const key = option.attributeName();
  const value = process.env[variable] ?? '';
  if (option.isBoolean()) {
    command.setOptionValueWithSource(key, parseBooleanVariable(variable, value), 'env');
    return;
  }
  if (value === '') return;
  let parsed: unknown = value;
  if (option.parseArg) {
    try {
      parsed = option.parseArg(value, command.getOptionValue(key));
    } catch (error) {
      throw new UsageError(`${variable}: ${(error as Error).message}`);
    }
  }
  command.setOptionValueWithSource(key, parsed, 'env');
}
