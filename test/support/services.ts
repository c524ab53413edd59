import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';

/** Where the scale-out suites find PostgreSQL and Redis (the development machines and CI run both). */
export const POSTGRES_URL =
  process.env.PAYAUTH_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.PAYAUTH_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/**
 * Whether this run is CI's: `CI` set to anything but `false` or `0`, as GitHub Actions and `.ci/run` set it. There a
 * suite whose service is missing fails instead of skipping, so a green run means the suite ran.
 */
export const IN_CI = !['', 'false', '0'].includes(process.env.CI ?? '');

/**
 * Decides whether a suite that needs a service runs. `missing` says why the service cannot be used, or is undefined
 * when it can. Outside CI a missing service skips the suite and says so on stderr; under CI it throws, which fails
 * the test file at collection instead of letting it pass having run nothing.
 *
 * @returns true when the suite can run (`describe.skipIf(!available)`).
 */
export function requireService(suite: string, missing: string | undefined): boolean {
  if (missing === undefined) return true;
  if (IN_CI) {
    throw new Error(
      `${suite}: ${missing}. Under CI=${process.env.CI} a suite whose service is missing fails instead of ` +
        'skipping: .ci/run installs and starts the services (.ci/services) and chromium.',
    );
  }
  console.warn(`[skip] ${suite}: ${missing} (under CI=true this fails)`);
  return false;
}

/** A service URL without its user and password, for messages. */
function shown(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

/** Why PostgreSQL cannot be used at {@link POSTGRES_URL}, or undefined when it answers. */
async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 1500 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (error) {
    return `PostgreSQL does not answer at ${shown(POSTGRES_URL)} (${describeError(error)})`;
  }
}

/** Why Redis cannot be used at {@link REDIS_URL}, or undefined when it answers. */
async function redisProblem(): Promise<string | undefined> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    return `Redis does not answer at ${shown(REDIS_URL)} (${describeError(error)})`;
  } finally {
    probe.disconnect();
  }
}

function describeError(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** True when PostgreSQL answers. */
export async function postgresReachable(): Promise<boolean> {
  return (await postgresProblem()) === undefined;
}

/** True when Redis answers. */
export async function redisReachable(): Promise<boolean> {
  return (await redisProblem()) === undefined;
}

/** True when PostgreSQL answers; when it does not, skips `suite` with a note, or fails it under CI ({@link requireService}). */
export async function needPostgres(suite: string): Promise<boolean> {
  return requireService(suite, await postgresProblem());
}

/** True when Redis answers; when it does not, skips `suite` with a note, or fails it under CI ({@link requireService}). */
export async function needRedis(suite: string): Promise<boolean> {
  return requireService(suite, await redisProblem());
}

/** A fresh database for one suite; `drop()` removes it. */
export async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `payauth_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await client.end();
    },
  };
}

/**
 * A TCP proxy on loopback in front of a service, that a test can cut (every connection dropped, new ones refused)
 * and restore: the service "goes down" for the server under test without touching the machine's own service.
 */
export class CuttableProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #up = true;
  port = 0;

  private constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      if (!this.#up) {
        client.destroy();
        return;
      }
      const upstream = connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  /** Starts a proxy to `target` on a free port. */
  static async start(target: { host: string; port: number }): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(target);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    const address = proxy.#server.address();
    proxy.port = typeof address === 'object' && address ? address.port : 0;
    return proxy;
  }

  /** Drops every connection and refuses new ones. */
  cut(): void {
    this.#up = false;
    for (const socket of this.#sockets) socket.destroy();
  }

  restore(): void {
    this.#up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
