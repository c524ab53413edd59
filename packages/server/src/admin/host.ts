import type { AuditRecorder } from '../audit/recorder.ts';
import type { AuthConfig } from '../config.ts';
import type { PayauthCredentials } from '../credentials/facade.ts';
import type { CredentialResolver } from '../credentials/resolver.ts';
import type { RejectionEvent } from '../rejection-events.ts';
import type { SharedState } from '../state/types.ts';
import type { PayauthStore } from '../store/types.ts';
import type { TokenIssuer } from '../tokens/issuer.ts';

export type { RejectionEvent } from '../rejection-events.ts';

/**
 * What the admin API and the metrics need from a payauth instance. An interface of its own (not a part of `Payauth`),
 * so that nothing under `admin/` imports `payauth.ts`: `createPayauth` builds one from its context, and tests can
 * provide just these.
 */
export interface AdminHost {
  readonly config: AuthConfig;
  readonly store: PayauthStore;
  readonly state: SharedState;
  readonly resolver: CredentialResolver;
  readonly issuer: TokenIssuer;
  readonly audit: AuditRecorder;
  readonly credentials: PayauthCredentials;
  readonly now: () => number;
  /** Calls `listener` on every refusal; returns the function that stops it. */
  onRejection(listener: (event: RejectionEvent) => void): () => void;
}
