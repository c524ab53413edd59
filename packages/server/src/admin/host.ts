import type { AuthContext } from '../context.ts';
import type { PayauthCredentials } from '../credentials/facade.ts';
import type { RejectionEvent } from '../rejection-events.ts';
import type { ScenarioEngine } from '../scenarios/engine.ts';

export type { RejectionEvent } from '../rejection-events.ts';

/**
 * What the admin API and the metrics need from a payauth instance. An interface of its own (not a part of `Payauth`),
 * so that nothing under `admin/` imports `payauth.ts`: `createPayauth` builds one from its context, and tests can
 * provide just these.
 */
export interface AdminHost
  extends Pick<AuthContext, 'config' | 'store' | 'state' | 'resolver' | 'issuer' | 'audit' | 'now'> {
  readonly credentials: PayauthCredentials;
  /** Calls `listener` on every refusal; returns the function that stops it. */
  onRejection(listener: (event: RejectionEvent) => void): () => void;
  /** The rehearsal scenarios, when they are on (sandbox only). */
  readonly scenarios?: ScenarioEngine | undefined;
}
