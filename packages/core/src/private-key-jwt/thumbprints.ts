import { hash, X509Certificate } from 'node:crypto';

/** The forms a certificate's key id takes (docs/providers/private-key-jwt.md). */
export type KidFormat = 'x5t' | 'hex' | 'x5t#S256';

/** The three fingerprints of one certificate. */
export interface CertificateThumbprints {
  /** base64url SHA-1 of the DER certificate: the document's `kid` (27 characters). */
  readonly x5t: string;
  /** Uppercase hex SHA-1: the thumbprint .NET uses as its default key id (40 characters). */
  readonly hex: string;
  /** base64url SHA-256 of the DER certificate (43 characters). */
  readonly 'x5t#S256': string;
}

/**
 * Computes every fingerprint form of a certificate.
 *
 * @example
 * ```ts
 * computeThumbprints(certificatePem).x5t // e.g. 'kh6XrTN6WjzvhH8Lk6sKieiP5hw'
 * ```
 */
export function computeThumbprints(certificate: X509Certificate | string | Buffer): CertificateThumbprints {
  const x509 = certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
  const der = x509.raw;
  return {
    x5t: hash('sha1', der, 'base64url'),
    hex: hash('sha1', der, 'hex').toUpperCase(),
    'x5t#S256': hash('sha256', der, 'base64url'),
  };
}

/**
 * Tells which form a key id has, by its shape alone; `undefined` when it has none of the three.
 *
 * @example
 * ```ts
 * classifyKid('kh6XrTN6WjzvhH8Lk6sKieiP5hw') // 'x5t'
 * ```
 */
export function classifyKid(kid: string): KidFormat | undefined {
  if (/^[A-Za-z0-9_-]{27}$/.test(kid)) return 'x5t';
  if (/^[0-9A-Fa-f]{40}$/.test(kid)) return 'hex';
  if (/^[A-Za-z0-9_-]{43}$/.test(kid)) return 'x5t#S256';
  return undefined;
}

/** True when `kid` names the certificate with these thumbprints in any of the three forms (hex case-insensitive). */
export function kidMatches(kid: string, thumbprints: CertificateThumbprints): boolean {
  return kid === thumbprints.x5t || kid === thumbprints['x5t#S256'] || kid.toUpperCase() === thumbprints.hex;
}
