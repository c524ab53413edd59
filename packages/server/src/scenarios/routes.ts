import { auditAdminChange } from '../admin/audit-change.ts';
import { findCredential } from '../admin/credentials.ts';
import type { AdminHost } from '../admin/host.ts';
import { readJsonObject } from '../admin/request.ts';
import { adminError, adminJson } from '../admin/responses.ts';
import type { AuthRequest, NeutralResponse, Route } from '../http/types.ts';
import { isScenarioName, resolveParameters, scenarioCatalog, scenarioNames } from './catalog.ts';
import type { ScenarioEngine } from './engine.ts';

/** The most times one scenario may be armed for. */
export const TIMES_LIMIT = 1000;

/**
 * The scenario routes of the admin API (docs/admin.md, "Scenarios"), served only when scenarios are on:
 * `POST /admin/api/scenarios` arms one (`{ scenario, credential?, times?, params? }` → 201 with its `id`),
 * `GET /admin/api/scenarios` lists those still armed (and, in `available`, every scenario and its parameters), `DELETE /admin/api/scenarios/:id` disarms one. Arming and
 * disarming write an audit row (`ADMIN_SCENARIO_ARMED`, `ADMIN_SCENARIO_DISARMED`).
 *
 * @example
 * ```ts
 * const routes = createScenarioRoutes(payauth, payauth.scenarios!) // put behind the admin gate
 * ```
 */
export function createScenarioRoutes(host: AdminHost, engine: ScenarioEngine): Route[] {
  const arm = async (request: AuthRequest): Promise<NeutralResponse> => {
    const body = readJsonObject(request);
    if (!body.ok) return adminError('invalid_request', body.message);
    const { scenario, credential, times = 1, params = {} } = body.value;
    for (const key of Object.keys(body.value)) {
      if (!['scenario', 'credential', 'times', 'params'].includes(key)) {
        return adminError('invalid_request', 'the body takes scenario, credential, times and params only');
      }
    }
    if (!isScenarioName(scenario)) {
      return adminError('invalid_request', `scenario must be one of ${scenarioNames.join(', ')}`);
    }
    if (!Number.isSafeInteger(times) || (times as number) < 1 || (times as number) > TIMES_LIMIT) {
      return adminError('invalid_request', `times must be a whole number from 1 to ${TIMES_LIMIT}`);
    }
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      return adminError('invalid_request', 'params must be an object');
    }
    const resolved = resolveParameters(scenario, params as Record<string, unknown>);
    if (!resolved.ok) return adminError('invalid_request', resolved.message);
    let narrowed: { id: string; publicId: string } | undefined;
    if (credential !== undefined) {
      if (typeof credential !== 'string' || credential === '' || credential.length > 256) {
        return adminError('invalid_request', 'credential must be a credential id or public id');
      }
      const found = await findCredential(host, credential);
      if (found === undefined) return adminError('not_found', 'no such credential');
      narrowed = { id: found.id, publicId: found.publicId };
    }
    let armed: ReturnType<ScenarioEngine['arm']>;
    try {
      armed = engine.arm({
        choice: resolved.choice,
        times: times as number,
        ...(narrowed === undefined ? {} : { credential: narrowed }),
      });
    } catch (error) {
      if (error instanceof RangeError)
        return adminError('invalid_request', `${error.message}: disarm some first`);
      throw error;
    }
    await auditAdminChange(host, request, 'ADMIN_SCENARIO_ARMED', {
      ...(narrowed === undefined ? {} : { credentialId: narrowed.id }),
      publicId: armed.id,
    });
    return adminJson(201, armed);
  };

  const disarm = async (request: AuthRequest): Promise<NeutralResponse> => {
    const removed = engine.disarm(request.params?.id ?? '');
    if (removed === undefined) return adminError('not_found', 'no armed scenario has this id');
    await auditAdminChange(host, request, 'ADMIN_SCENARIO_DISARMED', { publicId: removed.id });
    return adminJson(200, removed);
  };

  return [
    {
      method: 'GET',
      path: '/admin/api/scenarios',
      // `available`: every scenario with where it applies and its parameters, so clients (the dashboard) restate none.
      handle: async () =>
        adminJson(200, { scenarios: engine.list(), available: Object.values(scenarioCatalog) }),
    },
    { method: 'POST', path: '/admin/api/scenarios', readsBody: true, handle: arm },
    { method: 'DELETE', path: '/admin/api/scenarios/:id', handle: disarm },
  ];
}
