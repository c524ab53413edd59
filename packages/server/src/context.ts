import type { AuditRecorder } from './audit/recorder.ts';
import type { FailureBudget } from './budget/failure-budget.ts';
import type { AuthConfig } from './config.ts';
import type { CredentialResolver } from './credentials/resolver.ts';
import type { RejectionListeners } from './rejection-events.ts';
import type { Envelope } from './secrets/envelope.ts';
import type { SharedState } from './state/types.ts';
import type { PayauthStore } from './store/types.ts';
import type { TokenIssuer } from './tokens/issuer.ts';

/**
 * Everything the guards and endpoints need, built once by `createPayauth` (which returns it, with more). Guards and
 * endpoints take this and a neutral request, and return a neutral response.
 */
export interface AuthContext {
  readonly config: AuthConfig;
  readonly store: PayauthStore;
  readonly state: SharedState;
  readonly resolver: CredentialResolver;
  readonly issuer: TokenIssuer;
  readonly audit: AuditRecorder;
  readonly budget: FailureBudget;
  readonly envelope: Envelope;
  readonly now: () => number;
  /** Receives one line per rejection (code, reason, ids; never a secret). */
  readonly log: (entry: Record<string, unknown>) => void;
  /** The keyed fingerprint (`fp_…`) that stands for an id nobody holds in logs, the audit trail and events. */
  readonly fingerprint: (id: string) => string;
  /** Told of every refusal (the admin stream, metrics). */
  readonly rejections: RejectionListeners;
}
