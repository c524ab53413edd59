/**
 * The rehearsal scenarios a payauth sandbox plays on purpose (docs/rehearsal.md; docs/admin.md, "Scenarios"), in the
 * order the contract lists them. One list for the sandbox that plays them and the client that rehearses against them.
 *
 * @example
 * ```ts
 * import { scenarioNames } from '@payauth/core'
 * scenarioNames.includes('rate-limited') // true
 * ```
 */
export const scenarioNames = [
  'token-expired',
  'credential-revoked',
  'rate-limited',
  'unavailable',
  'server-error',
  'slow',
  'clock-skew',
  'malformed-token',
  'key-rotated',
] as const;

/** One of {@link scenarioNames}. */
export type ScenarioName = (typeof scenarioNames)[number];

/** The request header that makes a sandbox play a scenario on that request alone: `NAME[; key=value]…`. */
export const SCENARIO_HEADER = 'Payauth-Scenario';

/** The answer header that names the scenario a sandbox played. */
export const SCENARIO_APPLIED_HEADER = 'Payauth-Scenario-Applied';
