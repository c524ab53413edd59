import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

/** The repository root. */
export const ROOT = new URL('../../', import.meta.url).pathname;

/** The four packages, in build order, as folder names under packages/. */
export const PACKAGE_FOLDERS = ['core', 'client', 'server', 'cli'] as const;

const execFileAsync = promisify(execFile);

/** What `npm pack --json` reports of one tarball. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  /** The tarball's absolute path. */
  readonly tarball: string;
  /** Bytes, compressed. */
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
  readonly files: readonly string[];
}

/**
 * The environment of a process that must see nothing of this repository: no `--conditions=payauth-source` (from
 * .npmrc's node-options, passed down as NODE_OPTIONS and npm_config_*), no repository `node_modules/.bin` on the PATH
 * (which holds the workspace's own `payauth` and the pinned Node), and `nodeDirectory` first on the PATH, so that
 * `node`, `npm` and `npx` (a script run by `node`) all run on that Node.
 */
export function outsideEnvironment(nodeDirectory: string): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|NODE_OPTIONS$|NODE_PATH$|INIT_CWD$|VITEST)/i.test(name)) continue;
    environment[name] = value;
  }
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry && !entry.includes('node_modules'));
  environment.PATH = [nodeDirectory, ...path].join(delimiter);
  environment.NO_UPDATE_NOTIFIER = '1';
  environment.npm_config_update_notifier = 'false';
  environment.npm_config_fund = 'false';
  environment.npm_config_audit = 'false';
  return environment;
}

/** Runs a command to its end; rejects with its output when it fails. */
export async function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(command, args, {
      cwd: options.cwd,
      env: options.env,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const failure = error as Error & { stdout?: string; stderr?: string; code?: number | string };
    throw Object.assign(
      new Error(
        `${command} ${args.join(' ')} failed in ${options.cwd}: ${failure.message}\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}`,
      ),
      { exitCode: failure.code },
    );
  }
}

/** `npm run build`: every package's dist/, from the sources. */
export async function buildPackages(): Promise<void> {
  await run(process.execPath, [join(ROOT, 'scripts/build.ts')], {
    cwd: ROOT,
    env: outsideEnvironment(dirname(process.execPath)),
  });
}

/** `npm pack` of the four packages into `destination` (their dist/ must be built). */
export async function packPackages(destination: string): Promise<PackedPackage[]> {
  mkdirSync(destination, { recursive: true });
  const workspaces = PACKAGE_FOLDERS.flatMap((folder) => ['--workspace', `packages/${folder}`]);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination, ...workspaces], {
    cwd: ROOT,
    env: outsideEnvironment(dirname(process.execPath)),
  });
  const reports = JSON.parse(stdout) as Array<{
    name: string;
    version: string;
    filename: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
    files: Array<{ path: string }>;
  }>;
  return reports.map((report) => ({
    name: report.name,
    version: report.version,
    tarball: join(destination, report.filename),
    size: report.size,
    unpackedSize: report.unpackedSize,
    entryCount: report.entryCount,
    files: report.files.map((file) => file.path),
  }));
}

/** Tarballs packed earlier (by `npm run release:check`), named in PAYAUTH_TARBALLS, or undefined. */
export function packedEarlier(): PackedPackage[] | undefined {
  const folder = process.env.PAYAUTH_TARBALLS;
  if (!folder) return undefined;
  return JSON.parse(readFileSync(join(folder, 'packed.json'), 'utf8')) as PackedPackage[];
}

/** Writes what packPackages returned beside the tarballs, for packedEarlier. */
export function recordPacked(folder: string, packed: readonly PackedPackage[]): void {
  writeFileSync(join(folder, 'packed.json'), `${JSON.stringify(packed, null, 2)}\n`);
}

/**
 * The tarballs of this test run, built and packed once for every test file that asks (test/consumer/,
 * test/runtimes/): Vitest runs those files at the same time in sibling processes, and two builds at once would each
 * empty the other's dist/. The first to take the lock (a folder named after the Vitest process, the files' common
 * parent) builds and packs; the others wait for its packed.json. PAYAUTH_TARBALLS (tarballs packed earlier) wins.
 */
export async function packedForThisRun(): Promise<PackedPackage[]> {
  const earlier = packedEarlier();
  if (earlier) return earlier;
  const folder = join(tmpdir(), `payauth-packed-${process.ppid}`);
  const record = join(folder, 'packed.json');
  const failure = join(folder, 'failed.txt');
  try {
    mkdirSync(folder); // atomic: exactly one process of the run gets here
  } catch {
    const deadline = Date.now() + 300_000;
    while (!existsSync(record)) {
      if (existsSync(failure))
        throw new Error(`the build of this run failed:\n${readFileSync(failure, 'utf8')}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${record}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return JSON.parse(readFileSync(record, 'utf8')) as PackedPackage[];
  }
  removeStalePacks(folder);
  try {
    await buildPackages();
    const packed = await packPackages(join(folder, 'tarballs'));
    recordPacked(folder, packed);
    return packed;
  } catch (error) {
    writeFileSync(failure, String((error as Error).stack ?? error));
    throw error;
  }
}

/** Folders of earlier runs' tarballs (older than an hour): the run that made one cannot know when the others are done. */
function removeStalePacks(current: string): void {
  for (const name of readdirSync(tmpdir())) {
    const folder = join(tmpdir(), name);
    if (!name.startsWith('payauth-packed-') || folder === current) continue;
    try {
      if (Date.now() - statSync(folder).mtimeMs > 3600_000) rmSync(folder, { recursive: true, force: true });
    } catch {}
  }
}

/**
 * A Node binary of the given version from the npm `node` package, installed once into ~/.cache/payauth (the first
 * time downloads ~30 MB from the registry); resolves with the folder holding `node`.
 */
export async function cachedNode(version: string): Promise<string> {
  const folder = join(homedir(), '.cache', 'payauth', `node-${version}`);
  const binary = join(folder, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(folder, { recursive: true });
    // The `node` package installs its platform binary from an install script, which npm must be allowed to run.
    writeFileSync(join(folder, 'package.json'), '{ "private": true, "allowScripts": { "node": true } }\n');
    await run('npm', ['install', '--no-save', `node@${version}`], {
      cwd: folder,
      env: outsideEnvironment(dirname(process.execPath)),
      timeoutMs: 180_000,
    });
  }
  return dirname(binary);
}

/** A long-running process in its own process group, with its output collected. */
export interface Started {
  readonly output: () => string;
  /** Resolves once the output contains `text` (rejects on exit or after `timeoutMs`). */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** SIGTERM to the whole group (npx and the server it started); resolves on exit. */
  stop(): Promise<void>;
}

/** Starts a command in its own process group (so that stop() reaches what npx starts too). */
export function start(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Started {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    async waitFor(text, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`${command} ${args.join(' ')} exited early:\n${output}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {}
        await exited;
      }
    },
  };
}
