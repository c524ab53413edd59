import { mechanisms } from '@payauth/core';
import type { AuthRequest, NeutralResponse, Route } from '../http/types.ts';
import type { StoredAuditEvent } from '../store/types.ts';
import type { AdminHost } from './host.ts';
import { showPublicId } from './public-id.ts';
import { queryValue } from './request.ts';
import { adminError, adminJson } from './responses.ts';

/** An audit row as the admin API answers it (`at` as an ISO date, `count` always present; never a secret). */
export type AdminAuditEvent = Omit<StoredAuditEvent, 'at' | 'count'> & {
  readonly at: string;
  readonly count: number;
};

/** One bar of the chart: the attempts of one mechanism in one minute. */
export interface MinuteStats {
  readonly minute: string;
  readonly mechanism: string;
  readonly accepted: number;
  readonly rejected: number;
}

/** Rows read at most to answer one query (the filters run over them). */
const SCAN_LIMIT = 100_000;
const AUDIT_MECHANISMS = new Set<string>([...mechanisms, 'bearer', 'admin']);

/** Parses a time parameter: milliseconds since the epoch or an ISO date. */
function parseTime(value: string | undefined): number | undefined | 'invalid' {
  if (value === undefined) return undefined;
  if (/^\d{1,16}$/.test(value)) return Number(value);
  const time = Date.parse(value);
  return Number.isNaN(time) ? 'invalid' : time;
}

function toAdminEvent(event: StoredAuditEvent): AdminAuditEvent {
  // Admin rows name what they changed (a credential or a key id), never an unknown id.
  const publicId =
    event.mechanism === 'admin' ? event.publicId : showPublicId(event.publicId, event.credentialId);
  return {
    sequence: event.sequence,
    at: new Date(event.at).toISOString(),
    mechanism: event.mechanism,
    // Undefined fields are left out of the JSON answer.
    publicId,
    credentialId: event.credentialId,
    outcome: event.outcome,
    reason: event.reason,
    address: event.address,
    requestId: event.requestId,
    count: event.count ?? 1,
  };
}

/**
 * The audit routes of the admin API: a query over the trail (by time, mechanism, credential — internal or public
 * id —, outcome and reason; oldest first, the newest `limit` kept) and per-minute counts for the chart.
 *
 * @example
 * ```ts
 * const [query, stats] = createAuditRoutes(host)
 * ```
 */
export function createAuditRoutes(host: AdminHost): Route[] {
  const query = async (request: AuthRequest): Promise<NeutralResponse> => {
    const since = parseTime(queryValue(request, 'since'));
    const until = parseTime(queryValue(request, 'until'));
    if (since === 'invalid' || until === 'invalid') {
      return adminError('invalid_request', 'since and until take milliseconds or an ISO date');
    }
    const mechanism = queryValue(request, 'mechanism');
    if (mechanism !== undefined && !AUDIT_MECHANISMS.has(mechanism)) {
      return adminError('invalid_request', `mechanism must be one of ${[...AUDIT_MECHANISMS].join(', ')}`);
    }
    const outcome = queryValue(request, 'outcome');
    if (outcome !== undefined && outcome !== 'success' && outcome !== 'failure') {
      return adminError('invalid_request', 'outcome must be success or failure');
    }
    const limitText = queryValue(request, 'limit') ?? '100';
    if (!/^\d{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) {
      return adminError('invalid_request', 'limit must be 1 to 1000');
    }
    const credential = queryValue(request, 'credential');
    const reason = queryValue(request, 'reason');
    await host.audit.flush();
    const rows = await host.store.listAudit({ since: since ?? 0, limit: SCAN_LIMIT });
    const matching = rows.filter(
      (event) =>
        (until === undefined || event.at <= until) &&
        (mechanism === undefined || event.mechanism === mechanism) &&
        (outcome === undefined || event.outcome === outcome) &&
        (reason === undefined || event.reason === reason) &&
        (credential === undefined || event.credentialId === credential || event.publicId === credential),
    );
    return adminJson(200, { events: matching.slice(-Number(limitText)).map(toAdminEvent) });
  };

  const stats = async (request: AuthRequest): Promise<NeutralResponse> => {
    const minutesText = queryValue(request, 'minutes') ?? '60';
    if (!/^\d{1,4}$/.test(minutesText) || Number(minutesText) < 1 || Number(minutesText) > 1440) {
      return adminError('invalid_request', 'minutes must be 1 to 1440');
    }
    const now = host.now();
    const start = (Math.floor(now / 60_000) - Number(minutesText) + 1) * 60_000;
    await host.audit.flush();
    const buckets = new Map<
      string,
      { minute: number; mechanism: string; accepted: number; rejected: number }
    >();
    for (const event of await host.store.listAudit({ since: start, limit: SCAN_LIMIT })) {
      if (event.mechanism === 'admin') continue;
      const minute = Math.floor(event.at / 60_000) * 60_000;
      const key = `${minute}|${event.mechanism}`;
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = { minute, mechanism: event.mechanism, accepted: 0, rejected: 0 };
        buckets.set(key, bucket);
      }
      if (event.outcome === 'success') bucket.accepted += event.count ?? 1;
      else bucket.rejected += event.count ?? 1;
    }
    const minutes: MinuteStats[] = [...buckets.values()]
      .sort((a, b) => a.minute - b.minute || a.mechanism.localeCompare(b.mechanism))
      .map((bucket) => ({ ...bucket, minute: new Date(bucket.minute).toISOString() }));
    return adminJson(200, { minutes });
  };

  return [
    { method: 'GET', path: '/admin/api/audit', handle: query },
    { method: 'GET', path: '/admin/api/audit/stats', handle: stats },
  ];
}
