import type { Payauth } from '../payauth.ts';

export type { RejectionEvent } from '../rejection-events.ts';

/**
 * What the admin API, the OpenAPI route and the metrics need from a {@link Payauth}: a subset, so that tests and
 * other hosts can provide just these.
 */
export type AdminHost = Pick<
  Payauth,
  'config' | 'store' | 'state' | 'resolver' | 'issuer' | 'audit' | 'credentials' | 'now' | 'onRejection'
> &
  Partial<Pick<Payauth, 'scenarios'>>;
