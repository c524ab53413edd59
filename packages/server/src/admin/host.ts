import type { Mechanism } from '@payauth/core';
import type { AuditRecorder } from '../audit/recorder.ts';
import type { CredentialResolver } from '../credentials/resolver.ts';
import type { CredentialService } from '../credentials/service.ts';
import type { SharedState } from '../state/types.ts';
import type { CredentialStore } from '../store/types.ts';
import type { TokenIssuer } from '../tokens/issuer.ts';

/** One refusal, as `payauth.onRejection` reports it. `publicId` is already safe to show. */
export interface RejectionEvent {
  readonly at: number;
  readonly mechanism: Mechanism | 'bearer';
  readonly code: string;
  readonly reason: string;
  readonly hint?: string;
  readonly publicId?: string;
  readonly credentialId?: string;
  readonly requestId: string;
  readonly address: string;
  readonly method: string;
  readonly path: string;
  /** Names (never values) of the request's headers, when the pipeline passes them. */
  readonly headerNames?: readonly string[];
}

/**
 * What the admin API, the OpenAPI route and the metrics need from a `Payauth` (a structural subset, so that these
 * modules do not depend on how the object is assembled).
 */
export interface AdminHost {
  readonly config: {
    readonly issuer: string;
    readonly hmac: { readonly maxAgeMs: number; readonly maxFutureMs: number };
    readonly privateKeyJwt: { readonly algorithms: readonly string[] };
  };
  readonly store: Pick<CredentialStore, 'listAudit' | 'appendAudit' | 'listSigningKeys' | 'listSecrets'>;
  readonly issuer: Pick<TokenIssuer, 'rotate' | 'jwks' | 'verify'>;
  readonly resolver: Pick<CredentialResolver, 'resolve' | 'clear'> & { readonly lastPollError?: unknown };
  readonly audit: Pick<AuditRecorder, 'flush'>;
  /** Tells the other instances of a deployment about a credential change at once. */
  readonly state?: Pick<SharedState, 'publishChange'>;
  readonly credentials: Pick<CredentialService, 'create' | 'list' | 'rotate' | 'revoke' | 'find'>;
  readonly now: () => number;
  onRejection(listener: (event: RejectionEvent) => void): () => void;
}
