import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoCredentials } from '@payauth/server';
import { afterAll, beforeAll, expect } from 'vitest';
import { type CliProcess, freePort, startPayauth, waitForOutput } from './servers.ts';
import { createDatabase } from './services.ts';

/** Several `payauth serve` on one fresh PostgreSQL database, behind one public URL. */
export interface Instances {
  readonly instances: ReadonlyArray<{ readonly process: CliProcess; readonly url: string }>;
  /** The public URL every instance was given (`--issuer`): the first instance's own. */
  readonly issuer: string;
  readonly demo: DemoCredentials;
  readonly database: { readonly url: string };
  /** Their shared environment (`PAYAUTH_MASTER_KEY`), for `payauth credentials …` against the same store. */
  readonly env: NodeJS.ProcessEnv;
  /** SIGTERM to each; resolves to their exit codes once the database is dropped. */
  stop(): Promise<Array<number | null>>;
}

/**
 * Starts `count` (default 3) `payauth serve` on loopback, sharing a fresh database and one `--issuer`, as behind a
 * load balancer: the first seeds the demo (its files in a temp folder), then the others start together.
 *
 * @param args - flags every instance gets besides `--port`, `--store` and `--issuer`
 */
export async function startInstances(args: readonly string[], count = 3): Promise<Instances> {
  const directory = mkdtempSync(join(tmpdir(), 'payauth-instances-'));
  const env = { PAYAUTH_MASTER_KEY: randomBytes(32).toString('base64') };
  const database = await createDatabase();
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const issuer = `http://127.0.0.1:${ports[0]}`;
  const start = async (port: number, demo: boolean) => {
    const flags = ['serve', '--port', String(port), '--store', database.url, '--issuer', issuer, ...args];
    const running = startPayauth(demo ? [...flags, '--demo'] : flags, { env, cwd: directory });
    await waitForOutput(
      running,
      (out) => out.includes(`http://127.0.0.1:${port}`) && (!demo || out.includes('pfx ')),
    );
    return { process: running, url: `http://127.0.0.1:${port}` };
  };
  const instances = [await start(ports[0]!, true)];
  instances.push(...(await Promise.all(ports.slice(1).map((port) => start(port, false)))));
  const demo = JSON.parse(readFileSync(join(directory, 'payauth-demo', 'credentials.json'), 'utf8'));
  return {
    instances,
    issuer,
    demo,
    database,
    env,
    async stop() {
      for (const instance of instances) instance.process.child.kill('SIGTERM');
      const codes = await Promise.all(instances.map((instance) => instance.process.exited));
      await database.drop();
      return codes;
    },
  };
}

/**
 * {@link startInstances} for the enclosing `describe`: started before its tests, stopped after them (each instance
 * must exit 0). The object's fields read the running instances.
 */
export function useInstances(args: readonly string[]): Omit<Instances, 'stop'> {
  let fleet: Instances | undefined;
  beforeAll(async () => {
    fleet = await startInstances(args);
  }, 90_000);
  afterAll(async () => {
    if (fleet) expect(await fleet.stop()).toEqual(fleet.instances.map(() => 0));
  });
  const started = (): Instances => {
    if (fleet === undefined) throw new Error('the instances are not started yet');
    return fleet;
  };
  return {
    get instances() {
      return started().instances;
    },
    get issuer() {
      return started().issuer;
    },
    get demo() {
      return started().demo;
    },
    get database() {
      return started().database;
    },
    get env() {
      return started().env;
    },
  };
}
