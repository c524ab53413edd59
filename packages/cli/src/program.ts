import { InvalidOptionError, KeyMaterialError, PayauthError } from '@payauth/core';
import { Command, CommanderError, type Option } from 'commander';
import { registerAssertion } from './commands/assertion.ts';
import { registerAudit } from './commands/audit.ts';
import { registerCall } from './commands/call.ts';
import { registerCredentials } from './commands/credentials.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerKeys } from './commands/keys.ts';
import { registerRehearse } from './commands/rehearse.ts';
import { registerScenario } from './commands/scenario.ts';
import { registerServe } from './commands/serve.ts';
import { registerSign } from './commands/sign.ts';
import { registerToken } from './commands/token.ts';
import { EXIT, type Io, processIo, UsageError } from './output.ts';

/** Builds the `payauth` command tree. */
export function createProgram(io: Io = processIo): Command {
  const program = new Command('payauth')
    .description(
      'Both sides of the wire for payment API authentication: hmac, app-token, private-key-jwt, api-key.',
    )
    .version('0.1.0')
    // The program's options (--version) only before a subcommand: after it, `sign hmac --version 1` is the
    // subcommand's own option.
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage and examples)')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  registerSign(program, io);
  registerAssertion(program, io);
  registerDoctor(program, io);
  registerServe(program, io);
  registerCredentials(program, io);
  registerAudit(program, io);
  registerKeys(program, io);
  registerToken(program, io);
  registerCall(program, io);
  registerRehearse(program, io);
  registerScenario(program, io);
  const applyExit = (command: Command): void => {
    command.exitOverride();
    for (const sub of command.commands) applyExit(sub);
  };
  applyExit(program);
  checkMandatoryAfterUnknown(program);
  return program;
}

/**
 * Commander checks required options before unknown ones, so `--acess-key` was reported as "required option
 * '--access-key' not specified". Here the required options are checked in a `preAction` hook instead, which runs
 * after the unknown-option check: a mistyped flag is reported as unknown, with the nearest name.
 */
function checkMandatoryAfterUnknown(program: Command): void {
  const mandatory = new Map<Command, Option[]>();
  const collect = (command: Command): void => {
    const options = command.options.filter((option) => option.mandatory);
    for (const option of options) option.mandatory = false;
    if (options.length > 0) mandatory.set(command, options);
    for (const sub of command.commands) collect(sub);
  };
  collect(program);
  program.hook('preAction', (_program, action) => {
    for (let command: Command | null = action; command; command = command.parent) {
      for (const option of mandatory.get(command) ?? []) {
        if (command.getOptionValue(option.attributeName()) === undefined) {
          command.error(`error: required option '${option.flags}' not specified`, {
            code: 'commander.missingMandatoryOptionValue',
            exitCode: 1,
          });
        }
      }
    }
  });
}

/**
 * Runs the CLI and returns the exit code: 0 ok, 1 rejected, 2 usage (a bad flag, a missing option, an unreadable
 * file, an invalid value). Errors are printed as one line, never with a stack trace.
 */
export async function runCli(argv: string[], io: Io = processIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    if (
      error instanceof UsageError ||
      error instanceof InvalidOptionError ||
      error instanceof KeyMaterialError
    ) {
      io.stderr(`payauth: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof PayauthError) {
      io.stderr(`payauth: ${error.message} (${error.code})`);
      return EXIT.rejected;
    }
    io.stderr(`payauth: ${(error as Error)?.message ?? String(error)}`);
    return EXIT.rejected;
  }
}
