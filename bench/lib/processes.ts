import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** The repository root. */
export const ROOT = new URL('../../', import.meta.url).pathname;

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();

/** Node flags for every child: the workspace packages resolve to their TypeScript sources (`payauth-source`). */
export const NODE_FLAGS = ['--conditions=payauth-source'];

/** A child process started on one core (with `taskset` when the machine has it), its output collected. */
export interface Running {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  stop(): Promise<void>;
}

/**
 * Starts `node <script> …args` pinned to `core` (server and load generator on separate cores, so that they do not
 * compete), and waits until its stdout has a line matching `ready`.
 */
export async function startPinned(
  script: string,
  args: string[],
  core: number,
  ready: RegExp,
  env: NodeJS.ProcessEnv = {},
): Promise<Running> {
  const command = hasTaskset ? 'taskset' : process.execPath;
  const commandArgs = hasTaskset
    ? ['-c', String(core), process.execPath, ...NODE_FLAGS, script, ...args]
    : [...NODE_FLAGS, script, ...args];
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    running.stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    running.stderr += chunk.toString();
  });
  const deadline = Date.now() + 60_000;
  while (!ready.test(running.stdout)) {
    if (child.exitCode !== null) throw new Error(`${script} exited: ${running.stderr.slice(0, 1000)}`);
    if (Date.now() > deadline) throw new Error(`${script} did not start: ${running.stderr.slice(0, 1000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return running;
}

/** Runs `node <script> …args` pinned to `core` and parses the JSON it prints last. */
export async function runPinned<T>(script: string, args: string[], core: number): Promise<T> {
  const running = await startPinned(script, args, core, /.*/s);
  await new Promise((resolve) =>
    running.child.exitCode !== null ? resolve(null) : running.child.once('exit', resolve),
  );
  const lines = running.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]!) as T;
  } catch {
    throw new Error(`${script} printed no JSON: ${running.stderr.slice(0, 1000)}`);
  }
}

/** Resident memory of a process in bytes (Linux /proc), or undefined elsewhere. */
export function residentBytes(pid: number): number | undefined {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return undefined;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'));
  return match ? Number(match[1]) * 1024 : undefined;
}

/** Whether server and load were pinned to separate cores. */
export const pinned = hasTaskset;
