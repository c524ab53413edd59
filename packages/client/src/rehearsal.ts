/**
 * `@payauth/client/rehearsal` — runs a configured `@payauth/client` against every failure a payauth sandbox can play
 * (SPEC.md, "Rehearsal"; docs/rehearsal.md) and says, per scenario, what the client did and whether that is what a
 * well-behaved client does. `payauth rehearse` prints its report; an integrator's own test suite can call it too.
 * Web standards only: it runs wherever the client runs.
 *
 * @packageDocumentation
 */
import {
  type Mechanism,
  mechanismTable,
  SCENARIO_APPLIED_HEADER,
  SCENARIO_HEADER,
  type ScenarioName,
  scenarioNames,
} from '@payauth/core';
import { decodeProtectedHeader } from 'jose';
import { type ClientOptions, createClient, type PayauthClient } from './client.ts';
import { ServerClock } from './clock.ts';
import { MalformedResponseError, PayauthResponseError, PayauthTimeoutError } from './errors.ts';
import { createJwksVerifier } from './jwks.ts';
import { MemoryTokenStore } from './token/store.ts';

/** The scenarios a payauth sandbox plays, in the contract's order (core's `scenarioNames`). */
export const SCENARIOS = scenarioNames;

export type { ScenarioName };
export { SCENARIO_APPLIED_HEADER, SCENARIO_HEADER };

/** Options of {@link rehearse}. */
export interface RehearsalOptions {
  /**
   * The client to rehearse, as the application configures it, pointed at a payauth sandbox (`payauth serve --demo`):
   * e.g. `wakapay({ apiKey, apiSecret, baseUrl: 'http://127.0.0.1:8080' })`. Its `fetch` and `retry` are used; each
   * scenario gets a fresh clock and token cache.
   */
  readonly client: ClientOptions;
  /** The protected resource to GET (default: the preset's documented one, e.g. `/business/balance?currency=USD`). */
  readonly path?: string;
  /** Which scenarios (default: all of {@link SCENARIOS}). */
  readonly scenarios?: readonly ScenarioName[];
  /** The client's per-request timeout during the rehearsal (default 1000 ms); `slow` delays answers 3 times that. */
  readonly timeoutMs?: number;
  /** How far `clock-skew` moves the sandbox's clock, in seconds (default 600). */
  readonly skewSeconds?: number;
  /** The name shown in the report (default: the mechanism's preset, e.g. `wakapay`). */
  readonly label?: string;
  /** Called as each scenario ends (to print progress). */
  readonly onResult?: (result: ScenarioResult) => void;
}

/** One request the client made during a scenario. */
export interface RehearsalExchange {
  /** `token` for a token request, `resource` for the protected resource. */
  readonly kind: 'token' | 'resource';
  /** The HTTP method. */
  readonly method: string;
  /** The `Payauth-Scenario` value it was sent with. */
  readonly scenario: string | undefined;
  /** The answer's status; undefined when there was none (`failure` says why). */
  readonly status: number | undefined;
  /** Why there was no answer: the client's timeout, the caller's signal, or a network failure. */
  readonly failure: 'timed out' | 'aborted by the caller' | 'no answer' | undefined;
  /** The answer's `Payauth-Scenario-Applied`. */
  readonly applied: string | undefined;
  /** The answer's `Retry-After`. */
  readonly retryAfter: string | undefined;
}

/** What one scenario showed. */
export interface ScenarioResult {
  /** The scenario played. */
  readonly scenario: ScenarioName;
  /** `n/a` where the scenario has nothing to act on (api-money holds no token). */
  readonly result: 'pass' | 'fail' | 'n/a';
  /** What the client did, in one line. */
  readonly did: string;
  /** Why it failed. */
  readonly problem?: string;
  /** The requests the client made, in order. */
  readonly exchanges: readonly RehearsalExchange[];
}

/** The outcome of {@link rehearse}. */
export interface RehearsalReport {
  /** The name shown (the preset's, unless {@link RehearsalOptions.label} said otherwise). */
  readonly label: string;
  /** The client's mechanism. */
  readonly mechanism: Mechanism;
  /** One per scenario, in the order played. */
  readonly results: readonly ScenarioResult[];
  /** True when no scenario failed. */
  readonly passed: boolean;
}

/** The resource each mechanism's client GETs: the sandbox's documented ones (Fondy's token works on /api/accounts). */
const DEFAULT_PATHS: Readonly<Record<Mechanism, string>> = {
  hmac: '/api/accounts',
  'app-token': '/api/accounts',
  'private-key-jwt': '/public/v1/users',
  'api-key': '/business/balance?currency=USD',
};

/** Which request of a scenario carries the header, and with what value. */
type Inject = (kind: 'token' | 'resource', index: number) => string | undefined;

interface Recorded extends RehearsalExchange {
  /** The body sent (kept in memory to tell a freshly signed token request; never shown). */
  readonly body: string | undefined;
  readonly sentAt: number;
  readonly answeredAt: number | undefined;
}

interface Run {
  readonly client: PayauthClient;
  readonly exchanges: Recorded[];
}

class Failure extends Error {}

function check(condition: unknown, problem: string): asserts condition {
  if (!condition) throw new Failure(problem);
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** The error a call ended with, named for the report: class, code and the provider's code. */
function describeError(error: unknown): string {
  if (error instanceof PayauthResponseError) {
    // The provider's code where it says something (WakaPay's 0 and Fondy's repeated status do not), then its message.
    const code = ['0', String(error.status)].includes(error.providerCode ?? '0')
      ? undefined
      : error.providerCode;
    const message = error.providerMessage === undefined ? undefined : `"${error.providerMessage}"`;
    const said = [code, message].filter((part) => part !== undefined);
    return `${error.name} ${error.code} (HTTP ${error.status}${said.length > 0 ? `, ${said.join(' ')}` : ''})`;
  }
  const code = (error as { code?: unknown })?.code;
  if (error instanceof Error) return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}`;
  return String(error);
}

/**
 * Runs the client against each scenario through the `Payauth-Scenario` header, one fresh client per scenario, and
 * checks what it did against docs/rehearsal.md. Never throws for a failed scenario: the report says `fail` and why.
 *
 * @example
 * ```ts
 * import { wakapay } from '@payauth/client'
 * import { formatRehearsal, rehearse } from '@payauth/client/rehearsal'
 *
 * const report = await rehearse({
 *   client: wakapay({ apiKey: 'your_api_key', apiSecret: 'your_api_secret', baseUrl: 'http://127.0.0.1:8080' }),
 * })
 * console.log(formatRehearsal(report))
 * if (!report.passed) process.exitCode = 1
 * ```
 */
export async function rehearse(options: RehearsalOptions): Promise<RehearsalReport> {
  const mechanism = options.client?.auth?.mechanism;
  if (mechanism === undefined || !(mechanism in mechanismTable))
    throw new TypeError('"client" must be the options of a preset or createClient (with an auth strategy)');
  const timeoutMs = options.timeoutMs ?? 1000;
  const skewSeconds = options.skewSeconds ?? 600;
  const baseUrl = options.client.baseUrl.replace(/\/+$/, '');
  const path = options.path ?? DEFAULT_PATHS[mechanism];
  const resourcePath = new URL(path, `${baseUrl}/`).pathname;
  const baseFetch = options.client.fetch ?? globalThis.fetch;
  const hasToken = mechanismTable[mechanism].tokenPath !== undefined;
  const label = options.label ?? mechanismTable[mechanism].preset;

  /** The exchanges of the scenario being played, to tell what the client did even when it failed. */
  let played: Recorded[][] = [];

  /** A fresh client whose requests are recorded, with the scenario header added where `inject` says. */
  const start = (inject: Inject = () => undefined): Run => {
    const exchanges: Recorded[] = [];
    played.push(exchanges);
    const counts = { token: 0, resource: 0 };
    const fetch: typeof globalThis.fetch = async (input, init = {}) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const kind = url.pathname === resourcePath ? 'resource' : 'token';
      const headers = new Headers(init.headers);
      const index = counts[kind]++;
      if (!headers.has(SCENARIO_HEADER)) {
        const value = inject(kind, index);
        if (value !== undefined) headers.set(SCENARIO_HEADER, value);
      }
      const base = {
        kind,
        method: (init.method ?? 'GET').toUpperCase(),
        scenario: headers.get(SCENARIO_HEADER) ?? undefined,
        body:
          typeof init.body === 'string' || init.body instanceof URLSearchParams
            ? String(init.body)
            : undefined,
        sentAt: performance.now(),
      } as const;
      try {
        const response = await baseFetch(input, { ...init, headers });
        exchanges.push({
          ...base,
          status: response.status,
          failure: undefined,
          applied: response.headers.get(SCENARIO_APPLIED_HEADER) ?? undefined,
          retryAfter: response.headers.get('retry-after') ?? undefined,
          answeredAt: performance.now(),
        });
        return response;
      } catch (error) {
        exchanges.push({
          ...base,
          status: undefined,
          failure:
            error instanceof PayauthTimeoutError
              ? 'timed out'
              : init.signal?.aborted
                ? 'aborted by the caller'
                : 'no answer',
          applied: undefined,
          retryAfter: undefined,
          answeredAt: performance.now(),
        });
        throw error;
      }
    };
    const client = createClient({
      ...options.client,
      fetch,
      clock: new ServerClock(),
      tokenStore: new MemoryTokenStore(),
      timeoutMs,
    });
    return { client, exchanges };
  };

  /** The exchanges as one line: `token 429*, waited 1 s, token again 200, GET 200`. */
  const narrate = (
    exchanges: readonly Recorded[],
    notes: ReadonlyMap<number, string> = new Map(),
  ): string => {
    const parts: string[] = [];
    exchanges.forEach((exchange, index) => {
      const earlier = exchanges.slice(0, index).filter((other) => other.kind === exchange.kind);
      const previous = earlier.at(-1);
      const name = exchange.kind === 'token' ? 'token' : exchange.method;
      let label = name;
      if (previous !== undefined) {
        const failed = previous.status === undefined || previous.status >= 400;
        label = exchange.kind === 'token' && !failed ? 'new token' : `${name} again`;
        if (
          exchange.kind === 'token' &&
          failed &&
          previous.body !== undefined &&
          exchange.body !== undefined &&
          previous.body !== exchange.body
        )
          label += ' (freshly signed)';
      }
      if (previous?.retryAfter !== undefined && (previous.status === 429 || previous.status === 503))
        parts.push(`waited Retry-After ${previous.retryAfter} s`);
      const outcome =
        exchange.failure === 'timed out'
          ? `timed out after ${seconds(timeoutMs)}`
          : (exchange.failure ?? String(exchange.status));
      parts.push(`${label} ${outcome}${exchange.scenario === undefined ? '' : '*'}`);
      const note = notes.get(index);
      if (note !== undefined) parts.push(note);
    });
    return parts.join(', ');
  };

  /** Every answer to a request sent with the header carried Payauth-Scenario-Applied. */
  const checkApplied = (exchanges: readonly Recorded[], name: ScenarioName): void => {
    const sent = exchanges.filter(
      (exchange) => exchange.scenario !== undefined && exchange.status !== undefined,
    );
    for (const exchange of sent) {
      check(
        exchange.applied === name,
        `the sandbox did not play ${name} (no ${SCENARIO_APPLIED_HEADER} on the answer): is it in sandbox mode (payauth serve --demo or --scenarios)?`,
      );
    }
  };

  const count = (exchanges: readonly Recorded[], kind: 'token' | 'resource') =>
    exchanges.filter((exchange) => exchange.kind === kind).length;

  const settle = async (promise: Promise<Response>) => {
    try {
      const response = await promise;
      await response.body?.cancel().catch(() => {});
      return { status: response.status, error: undefined as unknown };
    } catch (error) {
      return { status: undefined, error };
    }
  };

  /** Waits of at least Retry-After before each repeat of a request answered 429/503 with one (SPEC.md). */
  const checkWaits = (exchanges: readonly Recorded[]): void => {
    exchanges.forEach((exchange, index) => {
      const next = exchanges.slice(index + 1).find((other) => other.kind === exchange.kind);
      if (exchange.retryAfter === undefined || next === undefined || exchange.answeredAt === undefined)
        return;
      const waited = next.sentAt - exchange.answeredAt;
      // 50 ms below for timer granularity: a client that ignores Retry-After is off by most of a second.
      check(
        waited >= Number(exchange.retryAfter) * 1000 - 50,
        `sent again ${Math.round(waited)} ms after a Retry-After of ${exchange.retryAfter} s`,
      );
    });
  };

  /** A retry scenario: the first token request and the first GET each get `value`; the client must end with 200. */
  const retried = async (name: ScenarioName, value: string, status: number) => {
    const run = start((_kind, index) => (index === 0 ? value : undefined));
    const outcome = await settle(run.client.get(path));
    const did = narrate(run.exchanges);
    checkApplied(run.exchanges, name);
    check(outcome.status === 200, `ended with ${outcome.status ?? describeError(outcome.error)}, not 200`);
    check(
      run.exchanges.some((exchange) => exchange.status === status),
      `no ${status} answer was seen`,
    );
    checkWaits(run.exchanges);
    const tokens = run.exchanges.filter((exchange) => exchange.kind === 'token');
    // Freshly signed: a new assertion (jti) or, after a Retry-After of a second, a new app-token date salt.
    if (mechanism === 'private-key-jwt' || (mechanism === 'app-token' && status !== 500))
      check(
        tokens.length < 2 || tokens[0]!.body !== tokens[1]!.body,
        'the token request was sent again unchanged',
      );
    return { did: `${did} → 200`, exchanges: run.exchanges };
  };

  const notApplicable = (why: string) => ({ result: 'n/a' as const, did: why, exchanges: [] });

  const plays: Record<
    ScenarioName,
    () => Promise<Omit<ScenarioResult, 'scenario' | 'result'> & { result?: 'n/a' }>
  > = {
    'token-expired': async () => {
      if (!hasToken) return notApplicable('not applicable: api-money signs every request and holds no token');
      const run = start((kind, index) => (kind === 'resource' && index === 0 ? 'token-expired' : undefined));
      const outcome = await settle(run.client.get(path));
      const did = narrate(run.exchanges);
      checkApplied(run.exchanges, 'token-expired');
      check(outcome.status === 200, `ended with ${outcome.status ?? describeError(outcome.error)}, not 200`);
      check(count(run.exchanges, 'token') === 2, 'the token was not fetched again exactly once');
      check(count(run.exchanges, 'resource') === 2, 'the request was not retried exactly once');
      return { did: `${did} → 200`, exchanges: run.exchanges };
    },
    'credential-revoked': async () => {
      const target = hasToken ? 'token' : 'resource';
      const run = start((kind, index) => (kind === target && index === 0 ? 'credential-revoked' : undefined));
      const outcome = await settle(run.client.json(path).then(() => new Response(null, { status: 200 })));
      const did = narrate(run.exchanges);
      checkApplied(run.exchanges, 'credential-revoked');
      check(
        outcome.error instanceof PayauthResponseError && !(outcome.error instanceof MalformedResponseError),
        `ended with ${outcome.status ?? describeError(outcome.error)}, not a PayauthResponseError`,
      );
      check(run.exchanges.length === 1, 'the refused request was sent again');
      return { did: `${did}, gave up: ${describeError(outcome.error)}, no retry`, exchanges: run.exchanges };
    },
    'rate-limited': () => retried('rate-limited', 'rate-limited; retry-after=1', 429),
    unavailable: () => retried('unavailable', 'unavailable; retry-after=1', 503),
    'server-error': () => retried('server-error', 'server-error', 500),
    slow: async () => {
      const value = `slow; ms=${timeoutMs * 3}`;
      const run = start((_kind, index) => (index === 0 ? value : undefined));
      const outcome = await settle(run.client.get(path));
      check(outcome.status === 200, `ended with ${outcome.status ?? describeError(outcome.error)}, not 200`);
      check(
        run.exchanges.some((exchange) => exchange.failure === 'timed out'),
        `no request timed out after ${timeoutMs} ms`,
      );
      // The caller's own signal: the request ends with the caller's reason and is not sent again.
      const controller = new AbortController();
      const reason = new Error('the caller gave up');
      const timer = setTimeout(() => controller.abort(reason), timeoutMs / 2);
      const before = run.exchanges.length;
      const aborted = await settle(
        run.client.get(path, { signal: controller.signal, headers: { [SCENARIO_HEADER]: value } }),
      );
      clearTimeout(timer);
      check(
        aborted.error === reason,
        `the caller's AbortSignal did not end the request (${describeError(aborted.error)})`,
      );
      check(run.exchanges.length === before + 1, "a request ended by the caller's signal was sent again");
      checkApplied(run.exchanges, 'slow');
      const first = narrate(run.exchanges.slice(0, before));
      return {
        did: `${first} → 200; ${narrate(run.exchanges.slice(before))}, not retried`,
        exchanges: run.exchanges,
      };
    },
    'clock-skew': async () => {
      const run = start(() => `clock-skew; seconds=${skewSeconds}`);
      const outcome = await settle(run.client.get(path));
      checkApplied(run.exchanges, 'clock-skew');
      check(outcome.status === 200, `ended with ${outcome.status ?? describeError(outcome.error)}, not 200`);
      const offset = run.client.clock.offsetMs;
      check(
        Math.abs(offset - skewSeconds * 1000) <= 2000,
        `the clock offset learned is ${seconds(offset)}, not ${skewSeconds} s`,
      );
      const refused = run.exchanges.filter((exchange) => (exchange.status ?? 0) >= 400).length;
      check(refused <= 1, `${refused} requests were refused: at most one is expected`);
      const learnedAt = run.exchanges.findIndex((exchange) => exchange.applied === 'clock-skew');
      const did = narrate(run.exchanges, new Map([[learnedAt, 'learned the clock offset from Date']]));
      return { did: `${did} → 200`, exchanges: run.exchanges };
    },
    'malformed-token': async () => {
      if (!hasToken) return notApplicable('not applicable: api-money has no token endpoint');
      const run = start((kind, index) => (kind === 'token' && index === 0 ? 'malformed-token' : undefined));
      const outcome = await settle(run.client.get(path));
      const did = narrate(run.exchanges);
      checkApplied(run.exchanges, 'malformed-token');
      check(
        outcome.error instanceof MalformedResponseError,
        `ended with ${outcome.status ?? describeError(outcome.error)}, not a MalformedResponseError`,
      );
      check(run.exchanges.length === 1, 'the malformed answer was followed by another request');
      return { did: `${did}, gave up: ${describeError(outcome.error)}, no retry`, exchanges: run.exchanges };
    },
    'key-rotated': async () => {
      if (!hasToken)
        return notApplicable('not applicable: api-money signs every request, no token to verify');
      const metadata = (await (
        await baseFetch(`${baseUrl}/.well-known/oauth-authorization-server`)
      ).json()) as { issuer?: string; jwks_uri?: string };
      check(
        typeof metadata.issuer === 'string' && typeof metadata.jwks_uri === 'string',
        'the sandbox has no OAuth metadata (issuer, jwks_uri)',
      );
      const verifier = createJwksVerifier({
        jwksUri: metadata.jwks_uri,
        issuer: metadata.issuer,
        audience: `${metadata.issuer}/${mechanism}`,
        fetch: baseFetch,
      });
      const before = start();
      const old = (await before.client.auth.authorize()).token!;
      const oldKid = (await verifier.verify(old)).kid;
      const rotating = start((kind, index) => (kind === 'token' && index === 0 ? 'key-rotated' : undefined));
      let fresh = (await rotating.client.auth.authorize()).token!;
      checkApplied(rotating.exchanges, 'key-rotated');
      // The token of the rotating request may still be the old key's: the next one is the new key's.
      if (decodeProtectedHeader(fresh).kid === oldKid) {
        const after = start();
        fresh = (await after.client.auth.authorize()).token!;
      }
      const verified = await verifier.verify(fresh);
      check(verified.kid !== oldKid, 'no token signed with a new key was issued after the rotation');
      check(
        verifier.fetches === 2,
        `the JWKS was fetched ${verifier.fetches} times, not once more on the new kid`,
      );
      await verifier.verify(old);
      const forged = `${btoa(JSON.stringify({ alg: 'EdDSA', typ: 'at+jwt', kid: 'rehearsal-unknown-kid' }))
        .replace(/=+$/, '')
        .replace(/\+/g, '-')
        .replace(/\//g, '_')}.${fresh.split('.').slice(1).join('.')}`;
      const refused = await verifier.verify(forged).then(
        () => false,
        () => true,
      );
      check(refused, 'a token with an unknown kid was accepted');
      check(
        verifier.fetches === 2,
        'another unknown kid right after caused another JWKS fetch (not rate limited)',
      );
      const stillServed = await settle(rotating.client.get(path));
      const oldServed = await settle(before.client.get(path));
      check(
        stillServed.status === 200 && oldServed.status === 200,
        'the sandbox refused a token after the rotation',
      );
      return {
        did: `${narrate(rotating.exchanges.slice(0, 1))}, new kid: JWKS fetched again once, token verified; old token still verified; unknown kid refused without a fetch; GET 200 with both tokens`,
        exchanges: [...before.exchanges, ...rotating.exchanges],
      };
    },
  };

  const results: ScenarioResult[] = [];
  for (const scenario of options.scenarios ?? SCENARIOS) {
    if (!(SCENARIOS as readonly string[]).includes(scenario))
      throw new TypeError(`unknown scenario ${String(scenario)}: one of ${SCENARIOS.join(', ')}`);
    let result: ScenarioResult;
    played = [];
    try {
      const outcome = await plays[scenario]();
      result = { scenario, ...outcome, result: outcome.result ?? 'pass' };
    } catch (error) {
      const exchanges = played.flat();
      result = {
        scenario,
        result: 'fail',
        did: exchanges.length > 0 ? narrate(exchanges) : 'no request was made',
        problem:
          error instanceof Failure
            ? error.message
            : `stopped: ${describeError(error)}: ${(error as Error)?.message ?? ''}`,
        exchanges,
      };
    }
    results.push(result);
    options.onResult?.(result);
  }
  return { label, mechanism, results, passed: results.every((result) => result.result !== 'fail') };
}

/**
 * The report as a table: scenario, result, what the client did; a line per failure saying why; a last line with the
 * count. `*` marks a request sent with the `Payauth-Scenario` header.
 *
 * @example
 * ```ts
 * console.log(formatRehearsal(await rehearse({ client: wakapay({ apiKey, apiSecret, baseUrl }) })))
 * ```
 */
export function formatRehearsal(report: RehearsalReport): string {
  const width = Math.max('scenario'.length, ...report.results.map((result) => result.scenario.length)) + 2;
  const lines = [`${'scenario'.padEnd(width)}${'result'.padEnd(8)}what the client did`];
  for (const result of report.results) {
    lines.push(`${result.scenario.padEnd(width)}${result.result.padEnd(8)}${result.did}`);
    if (result.problem !== undefined) lines.push(`${' '.repeat(width + 8)}why: ${result.problem}`);
  }
  const failed = report.results.filter((result) => result.result === 'fail').length;
  const skipped = report.results.filter((result) => result.result === 'n/a').length;
  const played = report.results.length - skipped;
  lines.push('');
  lines.push(`* sent with ${SCENARIO_HEADER}: the sandbox played the scenario on that request`);
  lines.push(
    failed === 0
      ? `${report.label}: every scenario passed (${played} played${skipped ? `, ${skipped} not applicable` : ''})`
      : `${report.label}: ${failed} of ${played} scenarios FAILED`,
  );
  return lines.join('\n');
}
