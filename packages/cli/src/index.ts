/**
 * payauth — the command line: sign, doctor, assertion, serve, credentials, audit, token, call.
 *
 * @packageDocumentation
 */

export { EXIT, type Io, UsageError } from './output.ts';
export { createProgram, runCli } from './program.ts';
