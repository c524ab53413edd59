import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createLogger, formatDemo } from '@payauth/server';
import { createPayauthServer, DEFAULT_DRAIN_TIMEOUT_MS } from '@payauth/server/standalone';
import { type Command, Option } from 'commander';
import pino from 'pino';
import { bindEnvironment } from '../environment.ts';
import { asUsageError } from '../open-store.ts';
import { type Io, UsageError } from '../output.ts';

interface ServeOptions {
  port: string;
  host: string;
  store: string;
  demo?: boolean;
  hints?: boolean;
  issuer?: string;
  strict?: boolean;
  hmacSingleUse?: boolean;
  logLevel: string;
  pollInterval: string;
  redis?: string;
  redisPrefix: string;
  state?: 'postgres' | 'memory';
  failureLimit: string;
  addressFailureLimit: string;
  failureWindow: string;
  budgetUnavailable: string;
  auditEachSuccess?: boolean;
  tokenAlg: string;
  trustProxy?: string;
  requestTimeout: string;
  headersTimeout: string;
  keepAliveTimeout: string;
  maxConnectionsPerAddress: string;
  adminToken?: string;
  adminAllowRemote?: boolean;
  metrics?: boolean;
  scenarios?: boolean;
}

/** `payauth serve`: the sandbox of all four providers (and the production server). */
export function registerServe(program: Command, io: Io): void {
  const serve = program
    .command('serve')
    .description('run the server: API-money, Fondy, eMoney and WakaPay endpoints on one port')
    .option('--port <port>', 'TCP port (0: any free port)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--store <store>',
      'SQLite file path, :memory:, or postgres://… (several instances)',
      './payauth.db',
    )
    .option(
      '--redis <url>',
      'Redis shared state for several instances: replay records, failure budgets, change notices',
    )
    .option('--redis-prefix <prefix>', 'key prefix in Redis (several deployments on one Redis)', 'payauth:')
    .addOption(
      new Option(
        '--state <kind>',
        'shared state without Redis: postgres (default with a postgres:// store and no --redis) or memory (this process only)',
      ).choices(['postgres', 'memory']),
    )
    .option('--failure-limit <n>', 'failures per credential per window before 429', '100')
    .option('--address-failure-limit <n>', 'failures per client address per window before 429', '1000')
    .option('--failure-window <seconds>', 'failure budget window', '60')
    .addOption(
      new Option(
        '--budget-unavailable <mode>',
        'when the shared state is down: open (serve without budgets) or closed (503)',
      )
        .choices(['open', 'closed'])
        .default('open'),
    )
    .option('--demo', "seed the documents' sample credentials and print them; implies --hints")
    .option('--hints', 'add a Payauth-Hint header naming the cause to every rejection')
    .option('--issuer <url>', 'public base URL (behind a proxy); default http://HOST:PORT')
    .option('--strict', 'app-token strict mode: recent dates only, each signature once')
    .option('--hmac-single-use', 'accept each hmac header once')
    .addOption(
      new Option('--token-alg <alg>', 'algorithm of new token-signing keys')
        .choices(['EdDSA', 'RS256'])
        .default('EdDSA'),
    )
    .option(
      '--audit-each-success',
      'one audit row per successful request (default: successes counted per second)',
    )
    .option('--log-level <level>', 'pino level: fatal, error, warn, info, debug, silent', 'info')
    .option(
      '--trust-proxy <trust>',
      'behind a load balancer: take the client address from X-Forwarded-For (true, a hop count, or addresses/CIDRs)',
    )
    .option('--poll-interval <ms>', 'how often the store is checked for credential changes', '500')
    .option('--request-timeout <ms>', 'a whole request (headers and body) must arrive within this', '10000')
    .option('--headers-timeout <ms>', "a request's headers must arrive within this", '10000')
    .option('--keep-alive-timeout <ms>', 'an idle keep-alive connection is closed after this', '5000')
    .option(
      '--max-connections-per-address <n>',
      'open connections per peer address at most (0: no cap; leave 0 behind a load balancer)',
      '0',
    )
    .addOption(
      new Option(
        '--admin-token <token>',
        'turn the admin API (/admin/api) on with this Bearer token (16+ characters); --demo makes one',
      ).env('PAYAUTH_ADMIN_TOKEN'),
    )
    .option('--admin-allow-remote', 'let the admin API answer non-loopback clients (default: loopback only)')
    .option('--metrics', 'serve Prometheus metrics at /metrics (on with --demo)')
    .option(
      '--scenarios',
      'rehearsal scenarios: Payauth-Scenario header and /admin/api/scenarios (sandbox only; on with --demo)',
    )
    .addHelpText('after', '\nExample:\n  $ payauth serve --port 8080 --store ./payauth.db --demo')
    .action(async (options: ServeOptions) => {
      if (!/^\d{1,5}$/.test(options.port) || Number(options.port) > 65535)
        throw new UsageError('--port must be 0 to 65535');
      if (!/^\d{2,6}$/.test(options.pollInterval))
        throw new UsageError('--poll-interval must be milliseconds (10 or more)');
      for (const [flag, value] of [
        ['--failure-limit', options.failureLimit],
        ['--address-failure-limit', options.addressFailureLimit],
        ['--failure-window', options.failureWindow],
      ] as const) {
        if (!/^\d{1,9}$/.test(value) || Number(value) < 1)
          throw new UsageError(`${flag} must be a positive whole number`);
      }
      for (const [flag, value] of [
        ['--request-timeout', options.requestTimeout],
        ['--headers-timeout', options.headersTimeout],
        ['--keep-alive-timeout', options.keepAliveTimeout],
      ] as const) {
        if (!/^\d{3,9}$/.test(value)) throw new UsageError(`${flag} must be milliseconds (100 or more)`);
      }
      if (!/^\d{1,6}$/.test(options.maxConnectionsPerAddress))
        throw new UsageError('--max-connections-per-address must be a whole number (0: no cap)');
      const port = Number(options.port);
      // An empty PAYAUTH_ADMIN_TOKEN counts as unset.
      if (options.adminToken === '') options.adminToken = undefined;
      if (options.adminToken !== undefined && !/^\S{16,}$/.test(options.adminToken))
        throw new UsageError('--admin-token must be at least 16 characters without spaces');
      // --demo turns the admin API on with a fresh token, printed below with the dashboard's URL.
      const adminToken =
        options.adminToken ?? (options.demo ? randomBytes(24).toString('base64url') : undefined);
      if (options.redis !== undefined && !/^rediss?:\/\//.test(options.redis))
        throw new UsageError('--redis takes a redis:// or rediss:// URL');
      if (options.state !== undefined && options.redis !== undefined)
        throw new UsageError('--state and --redis name two shared states: give one');
      if (options.state === 'postgres' && !/^postgres(ql)?:\/\//.test(options.store))
        throw new UsageError('--state postgres needs a postgres:// --store');
      const logger = createLogger({
        level: options.logLevel,
        destination: pino.destination({ dest: 2, sync: false }),
      });
      const displayHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
      // The issuer (and so the token endpoint URL) must be known before the demo is seeded and before listening.
      const actualPort = port === 0 ? await findFreePort(options.host) : port;
      const issuer = options.issuer ?? `http://${displayHost}:${actualPort}`;
      const server = await createPayauthServer({
        store: options.store,
        issuer,
        demo: Boolean(options.demo),
        hints: Boolean(options.hints || options.demo),
        config: {
          ...(options.strict ? { appToken: { strict: true } } : {}),
          ...(options.hmacSingleUse ? { hmac: { singleUse: true } } : {}),
        },
        pollIntervalMs: Number(options.pollInterval),
        metrics: Boolean(options.metrics || options.demo),
        scenarios: Boolean(options.scenarios || options.demo),
        ...(adminToken === undefined
          ? {}
          : { admin: { token: adminToken, allowRemote: Boolean(options.adminAllowRemote) } }),
        auditSuccesses: options.auditEachSuccess ? 'each' : 'per-second',
        tokenAlgorithm: options.tokenAlg as 'EdDSA' | 'RS256',
        ...(options.trustProxy === undefined ? {} : { trustProxy: parseTrustProxy(options.trustProxy) }),
        logger,
        timeouts: {
          requestMs: Number(options.requestTimeout),
          headersMs: Number(options.headersTimeout),
          keepAliveMs: Number(options.keepAliveTimeout),
        },
        maxConnectionsPerAddress: Number(options.maxConnectionsPerAddress),
        ...(options.redis === undefined ? {} : { redis: options.redis, redisPrefix: options.redisPrefix }),
        ...(options.state === undefined ? {} : { state: options.state }),
        failureBudget: {
          perCredential: {
            limit: Number(options.failureLimit),
            windowMs: Number(options.failureWindow) * 1000,
          },
          perAddress: {
            limit: Number(options.addressFailureLimit),
            windowMs: Number(options.failureWindow) * 1000,
          },
          whenUnavailable: options.budgetUnavailable as 'open' | 'closed',
        },
      }).catch(asUsageError);
      await server.listen(actualPort, options.host);
      io.stdout(
        `payauth listening on http://${displayHost}:${actualPort} (store ${server.payauth.location})`,
      );
      if (server.payauth.demo) io.stdout(formatDemo(server.payauth.demo));
      if (adminToken !== undefined) {
        io.stdout(`dashboard: http://${displayHost}:${actualPort}/dashboard/`);
        // A token the operator chose is not echoed; the one --demo made is shown this once.
        if (options.adminToken === undefined) io.stdout(`admin token: ${adminToken}`);
      }
      const stop = async (signal: string) => {
        logger.info({ event: 'server.stopping', signal });
        // Drain (requests in flight up to 10 s), flush the audit trail, close the store and state: exit 0. A store
        // that never answers must not hold the process past that and a margin for the flush (exit 1).
        setTimeout(() => process.exit(1), DEFAULT_DRAIN_TIMEOUT_MS + 5000).unref();
        const failed = await server.close().then(
          () => false,
          (error: unknown) => {
            logger.error({ event: 'server.close_failed', message: (error as Error)?.message });
            return true;
          },
        );
        logger.flush?.();
        process.exit(failed ? 1 : 0);
      };
      process.once('SIGTERM', () => void stop('SIGTERM'));
      process.once('SIGINT', () => void stop('SIGINT'));
    });
  // Every flag from its PAYAUTH_* variable (SPEC.md, "Run as a service").
  bindEnvironment(serve);
}

/** `--trust-proxy` as Fastify takes it: `true`, a number of hops, or addresses/CIDRs. */
function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** Asks the system for a free port (for --port 0). */
function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const free = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(free));
    });
  });
}
