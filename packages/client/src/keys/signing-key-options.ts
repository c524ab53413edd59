import type { AssertionAlgorithm, CertificateLike, KeyLike } from '@payauth/core';

/** What `loadSigningKey` reads: one of a key, a `.pfx` with its password, or PEM (the same on every runtime). */
export interface SigningKeyOptions {
  readonly key?: KeyLike | undefined;
  readonly certificate?: CertificateLike | undefined;
  readonly pfx?: Uint8Array | undefined;
  readonly password?: string | undefined;
  readonly pem?: { key: string; certificate?: string; passphrase?: string } | undefined;
  readonly algorithm: AssertionAlgorithm;
}
