import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CredentialService,
  type DemoCredentials,
  Envelope,
  loadMasterKey,
  MemorySharedState,
  SqliteStore,
  seedDemo,
} from '@payauth/server';
import {
  createPayauthServer,
  type PayauthServer,
  type PayauthServerOptions,
} from '@payauth/server/standalone';

/** The repository root. */
export const ROOT = new URL('../../', import.meta.url).pathname;

/** An in-process server with the demo seeded, on a free port. */
export interface TestServer {
  readonly server: PayauthServer;
  readonly url: string;
  readonly demo: DemoCredentials;
  readonly service: CredentialService;
  readonly directory: string;
  /** The SQLite file (or `:memory:`). */
  readonly storePath: string;
  close(): Promise<void>;
}

/**
 * Starts `createPayauthServer` on 127.0.0.1 with a SQLite store in a temp folder and the demo seeded.
 * The port is chosen first so that the issuer URL (and so `aud`) is right.
 */
export async function startTestServer(
  options: Partial<Omit<PayauthServerOptions, 'store' | 'envelope' | 'issuer'>> & {
    storeFile?: boolean;
    /** The public URL when clients reach the server through a proxy (default: its own http URL). */
    publicUrl?: string;
  } = {},
): Promise<TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'payauth-test-'));
  const storePath = options.storeFile === false ? ':memory:' : join(directory, 'store.db');
  const store = new SqliteStore(storePath);
  await store.migrate();
  // The key file beside the store, as the CLI does: a `payauth credentials …` process can then share the store.
  const envelope = new Envelope(
    storePath === ':memory:'
      ? randomBytes(32)
      : loadMasterKey({ keyFile: `${storePath}.master-key`, environment: {} }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { publicUrl = url, storeFile: _storeFile, ...serverOptions } = options;
  const service = new CredentialService({ store, envelope, ...(options.now ? { now: options.now } : {}) });
  const demo = await seedDemo({ service, store, directory, issuer: publicUrl });
  const server = await createPayauthServer({
    redis: new MemorySharedState(),
    logger: false,
    ...serverOptions,
    store,
    envelope,
    issuer: publicUrl,
  });
  await server.listen(port);
  return { server, url, demo, service, directory, storePath, close: () => server.close() };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A `payauth` process started from the repository's binary. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Runs `payauth …` with the repository's Node; resolves when it exits. */
export function runPayauth(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const running = startPayauth(args, options);
  return running.exited.then((code) => ({ code, stdout: running.stdout, stderr: running.stderr }));
}

/** Starts `payauth …` and collects its output. */
export function startPayauth(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): CliProcess {
  const child = spawn(process.execPath, [join(ROOT, 'packages/cli/bin/payauth.js'), ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const result: CliProcess = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    result.stdout += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    result.stderr += chunk.toString('utf8');
  });
  return result;
}

/** Waits until `predicate` holds on the process's output (or it exits / the time runs out). */
export async function waitForOutput(
  running: CliProcess,
  predicate: (stdout: string) => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(running.stdout)) {
    if (running.child.exitCode !== null)
      throw new Error(`payauth exited early: ${running.stderr.slice(0, 2000)}`);
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for payauth output: ${running.stdout.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
