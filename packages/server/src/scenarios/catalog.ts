/**
 * The sandbox's rehearsal scenarios (SPEC.md, "Rehearsal"; docs/admin.md, "Scenarios"): their names, where each can
 * apply, their parameters with bounds and defaults, and the parser of the `Payauth-Scenario` header. Data and pure
 * functions only: the engine (`engine.ts`) applies them.
 */

import { type ScenarioName, scenarioNames } from '@payauth/core';

export { type ScenarioName, scenarioNames };

/**
 * Where a scenario can apply: a token endpoint, the `hmac` guard, a Bearer guard (the three token mechanisms'
 * protected routes), or the JWKS.
 */
export type ScenarioPointKind = 'token' | 'hmac-guard' | 'bearer-guard' | 'jwks';

/** One numeric parameter: its bounds (inclusive) and its default. */
export interface ScenarioParameter {
  readonly minimum: number;
  readonly maximum: number;
  readonly default: number;
  /** What it means, for docs and errors. */
  readonly unit: string;
}

/** What one scenario is: where it applies and which parameters it takes. */
export interface ScenarioDefinition {
  readonly name: ScenarioName;
  readonly points: readonly ScenarioPointKind[];
  readonly parameters: Readonly<Record<string, ScenarioParameter>>;
}

const REQUESTS: readonly ScenarioPointKind[] = ['token', 'hmac-guard', 'bearer-guard'];
const RETRY_AFTER: ScenarioParameter = { minimum: 1, maximum: 3600, default: 1, unit: 'seconds' };

/**
 * Every scenario: where it applies and its parameters. A scenario named where it cannot apply (for example
 * `malformed-token` on a protected resource) is not applied there: the request is answered as usual.
 *
 * @example
 * ```ts
 * scenarioCatalog['rate-limited'].parameters['retry-after'].default // 1
 * ```
 */
export const scenarioCatalog: Readonly<Record<ScenarioName, ScenarioDefinition>> = {
  'token-expired': { name: 'token-expired', points: ['bearer-guard'], parameters: {} },
  'credential-revoked': { name: 'credential-revoked', points: ['token', 'hmac-guard'], parameters: {} },
  'rate-limited': { name: 'rate-limited', points: REQUESTS, parameters: { 'retry-after': RETRY_AFTER } },
  unavailable: { name: 'unavailable', points: REQUESTS, parameters: { 'retry-after': RETRY_AFTER } },
  'server-error': { name: 'server-error', points: REQUESTS, parameters: {} },
  // Bounded: a slow answer holds a connection; 30 s is past every client timeout worth rehearsing.
  slow: {
    name: 'slow',
    points: REQUESTS,
    parameters: { ms: { minimum: 0, maximum: 30_000, default: 1000, unit: 'milliseconds' } },
  },
  // The default is past the hmac window (5 minutes), so the default rehearsal is refused and must be recovered from.
  'clock-skew': {
    name: 'clock-skew',
    points: REQUESTS,
    parameters: { seconds: { minimum: -86_400, maximum: 86_400, default: 600, unit: 'seconds' } },
  },
  'malformed-token': { name: 'malformed-token', points: ['token'], parameters: {} },
  'key-rotated': { name: 'key-rotated', points: ['token', 'jwks'], parameters: {} },
};

/** Parameters as resolved: every parameter of the scenario, with its default where none was given. */
export type ScenarioParameters = Readonly<Record<string, number>>;

/** A scenario with its resolved parameters. */
export interface ScenarioChoice {
  readonly name: ScenarioName;
  readonly parameters: ScenarioParameters;
}

/** A scenario request that cannot be honoured: the message says why (never echoing what was sent). */
export type ScenarioParse = { ok: true; choice: ScenarioChoice } | { ok: false; message: string };

/** Longest `Payauth-Scenario` header value read. */
export const HEADER_LIMIT = 256;

/** Is this a scenario name? */
export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && (scenarioNames as readonly string[]).includes(value);
}

const unknownName = (): { ok: false; message: string } => ({
  ok: false,
  message: `unknown scenario; one of ${scenarioNames.join(', ')}`,
});

/**
 * Checks and completes a scenario's parameters: only its own names, whole numbers (or strings of digits) within the
 * bounds; the defaults fill the rest.
 *
 * @example
 * ```ts
 * resolveParameters('slow', { ms: '250' }) // { ok: true, choice: { name: 'slow', parameters: { ms: 250 } } }
 * ```
 */
export function resolveParameters(
  name: ScenarioName,
  given: Readonly<Record<string, unknown>>,
): ScenarioParse {
  const { parameters } = scenarioCatalog[name];
  const resolved: Record<string, number> = {};
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(parameters, key)) {
      const known = Object.keys(parameters);
      return {
        ok: false,
        message:
          known.length === 0
            ? `${name} takes no parameter`
            : `${name} takes only ${known.map((k) => `"${k}"`).join(', ')}`,
      };
    }
  }
  for (const [key, parameter] of Object.entries(parameters)) {
    const raw = given[key];
    if (raw === undefined) {
      resolved[key] = parameter.default;
      continue;
    }
    const value =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && /^[+-]?\d{1,9}$/.test(raw)
          ? Number(raw)
          : NaN;
    if (!Number.isSafeInteger(value) || value < parameter.minimum || value > parameter.maximum) {
      return {
        ok: false,
        message: `${name}: "${key}" must be a whole number of ${parameter.unit} from ${parameter.minimum} to ${parameter.maximum}`,
      };
    }
    resolved[key] = value;
  }
  return { ok: true, choice: { name, parameters: resolved } };
}

/**
 * Parses a `Payauth-Scenario` header: `NAME[; key=value]…` (spaces around `;` and `=` allowed, the name in any case).
 * A value sent twice, longer than {@link HEADER_LIMIT}, an unknown name or parameter, or a value out of bounds is an
 * error with a message that names the rule broken.
 *
 * @example
 * ```ts
 * parseScenarioHeader('rate-limited; retry-after=5') // { ok: true, choice: { name: 'rate-limited', parameters: { 'retry-after': 5 } } }
 * ```
 */
export function parseScenarioHeader(value: string | string[]): ScenarioParse {
  if (Array.isArray(value)) return { ok: false, message: 'Payauth-Scenario sent more than once' };
  if (value.length > HEADER_LIMIT) {
    return { ok: false, message: `Payauth-Scenario longer than ${HEADER_LIMIT} characters` };
  }
  const [head = '', ...pairs] = value.split(';');
  const name = head.trim().toLowerCase();
  if (!isScenarioName(name)) return unknownName();
  const given: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^\s*([a-z-]{1,32})\s*=\s*([+-]?\d{1,9})\s*$/i.exec(pair);
    if (!match) return { ok: false, message: 'Payauth-Scenario: parameters are "; key=whole number"' };
    const key = match[1]!.toLowerCase();
    if (Object.hasOwn(given, key)) return { ok: false, message: 'Payauth-Scenario: a parameter given twice' };
    given[key] = match[2]!;
  }
  return resolveParameters(name, given);
}
