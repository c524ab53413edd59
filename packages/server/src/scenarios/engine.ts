import {
  decodeClientAssertion,
  type Mechanism,
  mechanismTable,
  parseHmacHeader,
  type RejectionCode,
  renderRejection,
  type Surface,
} from '@payauth/core';
import type { Guard } from '../guards/authenticate.ts';
import { singleHeader } from '../http/headers.ts';
import { createRequestId } from '../http/request-id.ts';
import { PATHS } from '../http/routes.ts';
import type { AuthRequest, GuardResult, NeutralResponse, Route } from '../http/types.ts';
import type { AuditStore } from '../store/types.ts';
import type { TokenIssuer } from '../tokens/issuer.ts';
import {
  parseScenarioHeader,
  type ScenarioChoice,
  type ScenarioName,
  type ScenarioParameters,
  type ScenarioPointKind,
  scenarioCatalog,
} from './catalog.ts';

/** The request header that asks for a scenario on one request (SPEC.md, "Rehearsal"). */
export const SCENARIO_HEADER = 'payauth-scenario';
/** The response header on every answer a scenario shaped. */
export const APPLIED_HEADER = 'payauth-scenario-applied';
/** How many scenarios may be armed at once (the admin API refuses more). */
export const ARMED_LIMIT = 100;

/**
 * The sandbox's clock: the real one (or the injected one), moved for the requests a `clock-skew` scenario runs, and
 * only for them (an `AsyncLocalStorage` carries the offset through the request's own awaits).
 */
export interface ScenarioClock {
  /** The clock every part of payauth reads: the base, plus the current request's skew. */
  readonly now: () => number;
  /** The clock without any skew. */
  readonly base: () => number;
  /** Runs `action` with the clock moved by `offsetMs` (for everything it awaits, too). */
  run<T>(offsetMs: number, action: () => T): T;
}

/**
 * Builds the sandbox clock. `node:async_hooks` is loaded here, only when scenarios are on (Bun, Deno and workerd with
 * `nodejs_compat` provide it too).
 *
 * @example
 * ```ts
 * const clock = await createScenarioClock(Date.now); clock.run(60_000, () => clock.now()) // a minute ahead
 * ```
 */
export async function createScenarioClock(base: () => number): Promise<ScenarioClock> {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const offset = new AsyncLocalStorage<number>();
  return {
    base,
    now: () => base() + (offset.getStore() ?? 0),
    run: (offsetMs, action) => offset.run(offsetMs, action),
  };
}

/** Where a request meets the scenarios: its kind, and the mechanism and error shape of that place. */
export interface ScenarioPoint {
  readonly kind: ScenarioPointKind;
  readonly mechanism?: Mechanism;
  readonly surface?: Surface;
}

/** A scenario armed through the admin API, as the API lists it. */
export interface ArmedScenario {
  readonly id: string;
  readonly scenario: ScenarioName;
  /** The credential it is narrowed to (internal id and public id), when one was given. */
  readonly credentialId?: string;
  readonly publicId?: string;
  readonly params: ScenarioParameters;
  /** How many matching requests it was armed for. */
  readonly times: number;
  /** How many it will still apply to. */
  readonly remaining: number;
  readonly createdAt: string;
}

/** What {@link ScenarioEngine.arm} takes (already checked by the admin route). */
export interface ArmInput {
  readonly choice: ScenarioChoice;
  readonly times: number;
  readonly credential?: { readonly id: string; readonly publicId: string };
}

interface ArmedEntry {
  readonly id: string;
  readonly choice: ScenarioChoice;
  readonly credential: { readonly id: string; readonly publicId: string } | undefined;
  readonly times: number;
  remaining: number;
  readonly createdAt: number;
}

/** Who a request says it is, read without verifying anything (only to narrow armed scenarios to a credential). */
interface Identity {
  readonly credentialId?: string;
  readonly publicId?: string;
}

/** How the engine reads and shapes one kind of result: a route's answer or a guard's verdict. */
interface ResultShape<T> {
  /** The request would have succeeded (a token issued, a guard passed, a 200). */
  passed(result: T): boolean;
  /** The scenario's own answer as this kind of result. */
  answer(response: NeutralResponse): T;
  /** The result with the scenario's headers added (a passing guard has no answer to mark). */
  mark(result: T, headers: Record<string, string>): T;
}

const ROUTE_SHAPE: ResultShape<NeutralResponse> = {
  passed: (response) => response.status === 200,
  answer: (response) => response,
  mark: (response, headers) => ({ ...response, headers: { ...response.headers, ...headers } }),
};

const GUARD_SHAPE: ResultShape<GuardResult> = {
  passed: (result) => result.ok,
  answer: (response) => ({ ok: false, response }),
  mark: (result, headers) =>
    result.ok ? result : { ok: false, response: ROUTE_SHAPE.mark(result.response, headers) },
};

/** Scenarios that shape an answer only when the request would have succeeded; the others act before it runs. */
const AFTER_SUCCESS = new Set<ScenarioName>(['token-expired', 'credential-revoked', 'malformed-token']);

/** The refusal code each refusing scenario answers with, in the route's own shape. */
const REFUSAL: Partial<Record<ScenarioName, RejectionCode>> = {
  'token-expired': 'ERR_TOKEN_EXPIRED',
  'credential-revoked': 'ERR_CREDENTIAL_REVOKED',
  'rate-limited': 'ERR_RATE_LIMITED',
  unavailable: 'ERR_SERVICE_UNAVAILABLE',
  'server-error': 'ERR_SERVER_ERROR',
};

/**
 * The public message of a revoked credential where a route's own answer differs from the table's: Fondy's endpoint
 * says "Application revoked"; eMoney's token endpoint never tells a stranger that a client exists and was revoked.
 * The table-driven test compares these answers with the real ones of a revoked credential.
 */
const REVOKED_MESSAGE: Partial<Record<Surface, string>> = {
  'app-token': 'Application revoked',
  'private-key-jwt': 'client authentication failed',
};

/** The field that carries the token in each token endpoint's documented answer (`malformed-token` drops it). */
const TOKEN_FIELD: Readonly<Record<Exclude<Mechanism, 'hmac'>, string>> = {
  'app-token': 'token',
  'private-key-jwt': 'access_token',
  'api-key': 'accessToken',
};

/**
 * The answer to a `Payauth-Scenario` header that cannot be honoured (docs/admin.md, "Scenarios"): 400
 * `{"error":"invalid_scenario","message":…}`. Sandbox only; the message never repeats what was sent.
 */
export function renderScenarioError(message: string): NeutralResponse {
  return {
    status: 400,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify({ error: 'invalid_scenario', message }),
  };
}

/** What the engine needs from payauth. */
export interface ScenarioEngineOptions {
  readonly clock: ScenarioClock;
  readonly issuer: Pick<TokenIssuer, 'rotate'>;
  readonly store: AuditStore;
}

/**
 * Plays the sandbox's rehearsal scenarios (SPEC.md, "Rehearsal"): holds the armed ones, finds the scenario of a request
 * (its `Payauth-Scenario` header first, else the oldest armed one that matches), and shapes the answer in the route's
 * documented error shape, marked with `Payauth-Scenario-Applied` and recorded in the audit trail. Exists only when
 * scenarios are on (`createPayauth({ scenarios: true })`, on with `demo`): otherwise nothing is wrapped at all.
 *
 * @example
 * ```ts
 * const engine = new ScenarioEngine({ clock, issuer, store })
 * const routes = createEndpointRoutes(context).map((route) => engine.wrapRoute(route))
 * ```
 */
export class ScenarioEngine {
  readonly #clock: ScenarioClock;
  readonly #issuer: Pick<TokenIssuer, 'rotate'>;
  readonly #store: AuditStore;
  readonly #armed = new Map<string, ArmedEntry>();
  readonly #sleeping = new Set<() => void>();

  constructor(options: ScenarioEngineOptions) {
    this.#clock = options.clock;
    this.#issuer = options.issuer;
    this.#store = options.store;
  }

  /** Arms a scenario for the next `times` matching requests; throws a `RangeError` past {@link ARMED_LIMIT}. */
  arm(input: ArmInput): ArmedScenario {
    if (this.#armed.size >= ARMED_LIMIT) throw new RangeError(`at most ${ARMED_LIMIT} armed scenarios`);
    const entry: ArmedEntry = {
      id: `scn_${createRequestId()}`,
      choice: input.choice,
      credential: input.credential,
      times: input.times,
      remaining: input.times,
      createdAt: this.#clock.base(),
    };
    this.#armed.set(entry.id, entry);
    return describe(entry);
  }

  /** The scenarios still armed, oldest first. */
  list(): ArmedScenario[] {
    return [...this.#armed.values()].map(describe);
  }

  /** Disarms one; returns it as it was, or undefined when no armed scenario has this id. */
  disarm(id: string): ArmedScenario | undefined {
    const entry = this.#armed.get(id);
    if (entry === undefined) return undefined;
    this.#armed.delete(id);
    return describe(entry);
  }

  /** Ends every `slow` wait at once (payauth is closing). */
  close(): void {
    for (const wake of this.#sleeping) wake();
    this.#sleeping.clear();
  }

  /**
   * The route with scenarios applied where it is a scenario point (a token endpoint, a sandbox resource, the JWKS);
   * any other route is returned as it is.
   */
  wrapRoute(route: Route): Route {
    const place = pointOfRoute(route);
    if (place === undefined) return route;
    const handle = route.handle.bind(route);
    return {
      ...route,
      handle: (request) => {
        if (!this.#mayApply(request)) return handle(request);
        return this.#handle(place(request), request, () => handle(request), ROUTE_SHAPE);
      },
    };
  }

  /** The guard of `mechanism` (your own routes' `requireAuth`, `authenticate`) with scenarios applied. */
  wrapGuard(mechanism: Mechanism, guard: Guard): Guard {
    const point: ScenarioPoint = {
      kind: mechanism === 'hmac' ? 'hmac-guard' : 'bearer-guard',
      mechanism,
      surface: mechanismTable[mechanism].guardSurface,
    };
    return (request) => {
      // Nothing armed and no header: the guard as it is (its synchronous path stays synchronous).
      if (!this.#mayApply(request)) return guard(request);
      return this.#handle(point, request, () => guard(request), GUARD_SHAPE);
    };
  }

  #mayApply(request: AuthRequest): boolean {
    return this.#armed.size > 0 || request.headers[SCENARIO_HEADER] !== undefined;
  }

  async #handle<T>(
    point: ScenarioPoint,
    request: AuthRequest,
    run: () => T | Promise<T>,
    shape: ResultShape<T>,
  ): Promise<T> {
    const selected = this.#select(point, request);
    if (selected === undefined) return run();
    if ('error' in selected) return shape.answer(renderScenarioError(selected.error));
    const { choice, entry } = selected;
    const { name, parameters } = choice;
    const applied: Record<string, string> = { [APPLIED_HEADER]: name };
    let result: T;
    if (AFTER_SUCCESS.has(name)) {
      const normal = await run();
      // Not applied (and not used up) when the request fails anyway: its own refusal is the truth.
      if (!shape.passed(normal) || (entry !== undefined && !this.#take(entry))) return normal;
      const answer =
        name === 'malformed-token'
          ? malformedToken(point, normal as NeutralResponse)
          : refusal(point, name, request);
      result = shape.answer(ROUTE_SHAPE.mark(answer, applied));
    } else if (REFUSAL[name] !== undefined) {
      result = shape.answer(ROUTE_SHAPE.mark(refusal(point, name, request, parameters), applied));
    } else if (name === 'slow') {
      await this.#sleep(parameters.ms ?? 0);
      result = shape.mark(await run(), applied);
    } else if (name === 'clock-skew') {
      const offsetMs = (parameters.seconds ?? 0) * 1000;
      const normal = await this.#clock.run(offsetMs, run);
      const date = new Date(this.#clock.base() + offsetMs).toUTCString();
      result = shape.mark(normal, { ...applied, date });
    } else {
      // key-rotated: a new key signs from now on; the JWKS publishes both (the old one still verifies its tokens).
      await this.#issuer.rotate();
      result = shape.mark(await run(), applied);
    }
    await this.#audit(point, request, name, entry, result, shape);
    return result;
  }

  /** The scenario of this request: its header's (even when invalid), else the oldest armed one that matches. */
  #select(
    point: ScenarioPoint,
    request: AuthRequest,
  ): { choice: ScenarioChoice; entry?: ArmedEntry } | { error: string } | undefined {
    const header = request.headers[SCENARIO_HEADER];
    if (header !== undefined) {
      const parsed = parseScenarioHeader(header);
      if (!parsed.ok) return { error: parsed.message };
      return scenarioCatalog[parsed.choice.name].points.includes(point.kind)
        ? { choice: parsed.choice }
        : undefined;
    }
    let identity: Identity | undefined;
    for (const entry of this.#armed.values()) {
      if (!scenarioCatalog[entry.choice.name].points.includes(point.kind)) continue;
      if (entry.credential !== undefined) {
        identity ??= identify(point, request);
        const { id, publicId } = entry.credential;
        if (identity.credentialId !== id && identity.publicId !== publicId) continue;
      }
      // A scenario that acts before the request runs is used up now (synchronously: two requests never share it).
      if (!AFTER_SUCCESS.has(entry.choice.name)) this.#take(entry);
      return { choice: entry.choice, entry };
    }
    return undefined;
  }

  /** Uses one application of an armed scenario; false when another request used the last one. */
  #take(entry: ArmedEntry): boolean {
    if (entry.remaining <= 0 || !this.#armed.has(entry.id)) return false;
    entry.remaining--;
    if (entry.remaining === 0) this.#armed.delete(entry.id);
    return true;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleeping.add(wake);
    });
  }

  /** One audit row per applied scenario, written at once: reason `SCENARIO_<NAME>`, the answer's outcome. */
  async #audit<T>(
    point: ScenarioPoint,
    request: AuthRequest,
    name: ScenarioName,
    entry: ArmedEntry | undefined,
    result: T,
    shape: ResultShape<T>,
  ): Promise<void> {
    await this.#store
      .appendAudit([
        {
          at: this.#clock.base(),
          mechanism: point.mechanism ?? 'bearer',
          // Ids only when the scenario was armed for a known credential: a header names nobody.
          ...(entry?.credential === undefined
            ? {}
            : { credentialId: entry.credential.id, publicId: entry.credential.publicId.slice(0, 64) }),
          outcome: shape.passed(result) ? 'success' : 'failure',
          reason: `SCENARIO_${name.toUpperCase().replaceAll('-', '_')}`,
          address: request.address,
          requestId: request.requestId,
        },
      ])
      .catch(() => undefined);
  }
}

function describe(entry: ArmedEntry): ArmedScenario {
  return {
    id: entry.id,
    scenario: entry.choice.name,
    ...(entry.credential === undefined
      ? {}
      : { credentialId: entry.credential.id, publicId: entry.credential.publicId }),
    params: entry.choice.parameters,
    times: entry.times,
    remaining: entry.remaining,
    createdAt: new Date(entry.createdAt).toISOString(),
  };
}

/** A refusing scenario's answer in the point's documented shape. */
function refusal(
  point: ScenarioPoint,
  name: ScenarioName,
  request: AuthRequest,
  parameters: ScenarioParameters = {},
): NeutralResponse {
  const surface = point.surface ?? 'api-key';
  const message = name === 'credential-revoked' ? REVOKED_MESSAGE[surface] : undefined;
  const retryAfter = parameters['retry-after'];
  return renderRejection(surface, REFUSAL[name]!, {
    requestId: request.requestId,
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    ...(message === undefined ? {} : { publicMessage: message }),
  });
}

/** The token endpoint's 200 without its token: JSON, close to the documented shape, and useless. */
function malformedToken(point: ScenarioPoint, normal: NeutralResponse): NeutralResponse {
  const field = TOKEN_FIELD[point.mechanism as Exclude<Mechanism, 'hmac'>];
  const body = JSON.parse(normal.body) as Record<string, unknown>;
  delete body[field];
  return { ...normal, body: JSON.stringify(body) };
}

/** Which scenario point a route is, per request (the API-money resources also take an app-token Bearer token). */
function pointOfRoute(route: Route): ((request: AuthRequest) => ScenarioPoint) | undefined {
  if (route.method === 'GET' && route.path === PATHS.jwks) return () => ({ kind: 'jwks' });
  for (const facts of Object.values(mechanismTable)) {
    if (route.method === 'POST' && facts.tokenPath === route.path && facts.tokenSurface !== undefined) {
      const point: ScenarioPoint = { kind: 'token', mechanism: facts.mechanism, surface: facts.tokenSurface };
      return () => point;
    }
    if (route.method === 'GET' && facts.resourcePaths.includes(route.path)) {
      const surface = route.surface ?? facts.guardSurface;
      if (facts.mechanism !== 'hmac') {
        const point: ScenarioPoint = { kind: 'bearer-guard', mechanism: facts.mechanism, surface };
        return () => point;
      }
      const hmac: ScenarioPoint = { kind: 'hmac-guard', mechanism: 'hmac', surface };
      // docs/providers/app-token.md: an app-token Bearer token is accepted there too, refused in API-money's shape.
      const bearer: ScenarioPoint = { kind: 'bearer-guard', mechanism: 'app-token', surface };
      return (request) =>
        /^bearer /i.test(singleHeader(request.headers.authorization) ?? '') ? bearer : hmac;
    }
  }
  return undefined;
}

/** The credential a request names, read without trusting it (never used to decide anything but the narrowing). */
function identify(point: ScenarioPoint, request: AuthRequest): Identity {
  try {
    const authorization = singleHeader(request.headers.authorization) ?? '';
    if (point.kind === 'hmac-guard') return { publicId: parseHmacHeader(authorization).accessKey };
    if (point.kind === 'bearer-guard') {
      const { payload } = decodeClientAssertion(authorization.slice(7).trim());
      return { credentialId: String(payload.sub), publicId: String(payload.client_id) };
    }
    if (point.kind !== 'token') return {};
    const body = request.body ?? '';
    if (point.mechanism === 'private-key-jwt') {
      const form = new URLSearchParams(body);
      const clientId = form.get('client_id');
      if (clientId !== null) return { publicId: clientId };
      return { publicId: String(decodeClientAssertion(form.get('client_assertion')).payload.sub) };
    }
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const id = point.mechanism === 'app-token' ? parsed.application_id : parsed.apiKey;
    return typeof id === 'string' ? { publicId: id } : {};
  } catch {
    return {};
  }
}
