import type { Redis } from 'ioredis';
import type { AdminOptions } from './admin/routes.ts';
import type { BudgetLimit } from './budget/failure-budget.ts';
import type { AuthConfigOverrides } from './config.ts';
import type { MetricsOptions } from './metrics/metrics.ts';
import type { Envelope } from './secrets/envelope.ts';
import type { StateKind } from './state/open.ts';
import type { SharedState } from './state/types.ts';
import type { PayauthStore } from './store/types.ts';

/** A logger payauth writes to: pino's, or anything with an `info(object)` method. */
export interface PayauthLogger {
  info(entry: Record<string, unknown>): void;
}

/** Options of {@link createPayauth}. Only `store` is required; everything else has a documented default. */
export interface PayauthOptions {
  /**
   * The credential store: a SQLite file path, `':memory:'`, a `postgres://` URL (the `pg` driver loads only then),
   * or a store object (`SqliteStore`, `PostgresStore`, `MemoryStore`, or your own {@link PayauthStore}).
   */
  readonly store: string | PayauthStore;
  /**
   * The public base URL clients use (behind a proxy, the proxy's): the token endpoint URL, the assertions' `aud` and
   * the tokens' `iss` derive from it. Default `http://127.0.0.1:8080`.
   */
  readonly issuer?: string;
  /**
   * Shared state for several instances: a `redis://` URL or an ioredis client you manage (ioredis loads only then),
   * or any {@link SharedState}. Default: in-process memory (one instance).
   */
  readonly redis?: string | Redis | SharedState;
  /** Key prefix in Redis (default `payauth:`). */
  readonly redisPrefix?: string;
  /**
   * The shared state without Redis: `'postgres'` (the store's PostgreSQL database; the default with a `postgres://`
   * store and no `redis`), `'memory'` (this process only), or any {@link SharedState} (docs/deployment.md).
   */
  readonly state?: StateKind | SharedState;
  /** The master key that encrypts stored secrets (32 bytes, or 64 hex digits / base64). Default: `PAYAUTH_MASTER_KEY`,
   * else a `<store>.master-key` file beside a SQLite file, else (`:memory:`) a random key. Required with PostgreSQL
   * (unless the variable is set). With a store object, required unless the variable is set. */
  readonly masterKey?: string | Buffer;
  /** An {@link Envelope} you built (instead of `masterKey`), e.g. shared with a `CredentialService` of your own. */
  readonly envelope?: Envelope;
  /** Seed the documents' sample credentials (and write the eMoney client's key files to `demoDirectory`). */
  readonly demo?: boolean;
  /** Where the demo's files go (default: beside a SQLite store, else the working directory). */
  readonly demoDirectory?: string;
  /** Sandbox: a `Payauth-Hint` header naming the cause on every rejection (default: on with `demo`). */
  readonly hints?: boolean;
  /** Serve the sandbox's protected resources and `/health` too (default: on with `demo`). */
  readonly sandbox?: boolean;
  /**
   * Rehearsal scenarios (docs/admin.md, "Scenarios"): the `Payauth-Scenario` header and `/admin/api/scenarios`
   * make the token endpoints, guards and JWKS fail on purpose. Default: on with `demo` only; off, the header is
   * ignored and the routes do not exist. Never turn it on in production.
   */
  readonly scenarios?: boolean;
  /** Overrides of the guards' and endpoints' settings, at any depth (the documented defaults (docs/server.md) otherwise). */
  readonly config?: AuthConfigOverrides;
  /** Failure budgets (defaults: 100 failures per credential, 1,000 per address, per minute). */
  readonly failureBudget?: {
    readonly perCredential?: BudgetLimit;
    readonly perAddress?: BudgetLimit;
    readonly whenUnavailable?: 'open' | 'closed';
  };
  /** Algorithm of new token-signing keys: `EdDSA` (default; ~10× faster to sign: docs/server.md) or `RS256`. */
  readonly tokenAlgorithm?: 'EdDSA' | 'RS256';
  /** Audit rows for successes: counted per second (default) or one per request. */
  readonly auditSuccesses?: 'each' | 'per-second';
  /** How often the signing keys are re-read from the store (default 10 s). */
  readonly keyReloadIntervalMs?: number;
  /** How often the store's change counter is polled (default 500 ms). */
  readonly pollIntervalMs?: number;
  /** Where rejections are logged (one line each, never a secret). Default: nowhere. */
  readonly logger?: PayauthLogger | false;
  /** A clock, for tests (default `Date.now`). */
  readonly now?: () => number;
  /**
   * The admin API under `/admin/api` (docs/admin.md): off unless given. `token` (16+ characters) is the Bearer token
   * it requires; it answers loopback clients only unless `allowRemote`, and refuses other origins. The dashboard, its
   * browser client, is served with it under `/dashboard/` (docs/dashboard.md).
   */
  readonly admin?: AdminOptions;
  /** Prometheus metrics at `GET /metrics` in a registry of this instance (default: on with `sandbox`/`demo`). */
  readonly metrics?: boolean | MetricsOptions;
  /** The OpenAPI 3.1 document at `GET /openapi.json` (default: on with `sandbox`/`demo` or `admin`). */
  readonly openapi?: boolean;
  /**
   * OpenTelemetry spans per guard check and token request through `@opentelemetry/api`, when that optional peer is
   * installed, to the tracer provider registered with it (docs/deployment.md, "Tracing"). Default `true`; `false`
   * loads nothing.
   */
  readonly tracing?: boolean;
}
