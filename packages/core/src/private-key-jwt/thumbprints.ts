import { platform } from '#platform';
import { decodePem } from '../encoding/pem.ts';

/** The forms a certificate's key id takes (docs/providers/private-key-jwt.md). */
export type KidFormat = 'x5t' | 'hex' | 'x5t#S256';

/**
 * A certificate: PEM text, DER or PEM bytes, or anything with the DER in `raw` (a node:crypto `X509Certificate`).
 * Structural, so that no `node:crypto` type is needed to name it.
 */
export type CertificateLike = string | Uint8Array | { readonly raw: Uint8Array };

/** The three fingerprints of one certificate. */
export interface CertificateThumbprints {
  /** base64url SHA-1 of the DER certificate: the document's `kid` (27 characters). */
  readonly x5t: string;
  /** Uppercase hex SHA-1: the thumbprint .NET uses as its default key id (40 characters). */
  readonly hex: string;
  /** base64url SHA-256 of the DER certificate (43 characters). */
  readonly 'x5t#S256': string;
}

const PEM_START = 0x2d; // '-'

/**
 * The DER bytes of a certificate. node:crypto's X509Certificate reads (and checks) text and bytes on Node, Bun and
 * Deno; on web runtimes the PEM block is decoded and the DER must at least be one SEQUENCE.
 *
 * @example
 * ```ts
 * certificateDer(certificatePem) // Uint8Array, the bytes its x5t thumbprint is the SHA-1 of
 * ```
 */
export function certificateDer(certificate: CertificateLike): Uint8Array {
  if (typeof certificate === 'object' && 'raw' in certificate) return certificate.raw;
  if (platform.name === 'node') return new (platform.nodeCrypto().X509Certificate)(certificate).raw;
  const der =
    typeof certificate === 'string' || certificate[0] === PEM_START
      ? decodePem(
          typeof certificate === 'string' ? certificate : platform.decodeUtf8(certificate),
          'CERTIFICATE',
        )
      : certificate;
  if (der === undefined || der.length < 2 || der[0] !== 0x30) {
    throw new TypeError('not a PEM or DER certificate');
  }
  return der;
}

/**
 * Computes every fingerprint form of a certificate.
 *
 * @example
 * ```ts
 * computeThumbprints(certificatePem).x5t // e.g. 'kh6XrTN6WjzvhH8Lk6sKieiP5hw'
 * ```
 */
export function computeThumbprints(certificate: CertificateLike): CertificateThumbprints {
  const der = certificateDer(certificate);
  return {
    x5t: platform.digest('sha1', der, 'base64url'),
    hex: platform.digest('sha1', der, 'hex').toUpperCase(),
    'x5t#S256': platform.digest('sha256', der, 'base64url'),
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
