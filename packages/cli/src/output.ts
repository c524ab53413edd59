/** Exit codes of every command: 0 ok, 1 rejected (a diagnosis found an error, a call was refused), 2 usage. */
export const EXIT = { ok: 0, rejected: 1, usage: 2 } as const;

/** Where commands write; tests pass their own. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  environment: NodeJS.ProcessEnv;
}

/** The process's own streams. */
export const processIo: Io = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  environment: process.env,
};

/** An error the user can fix by changing the command line: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints one JSON object on one line. */
export function printJson(io: Io, value: unknown): void {
  io.stdout(JSON.stringify(value));
}
