import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A key, a self-signed certificate and a `.pfx` bundle of them. */
export interface GeneratedIdentity {
  /** The private key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), which WebCrypto and `jose.importPKCS8` accept. */
  readonly keyPem: string;
  readonly certificatePem: string;
  readonly pkcs12: Buffer;
}

/**
 * Creates an RSA-2048 key, a self-signed certificate and a password-protected `.pfx` (AES-256, SHA-256 MAC) — what a
 * partner would otherwise buy and export. Used by the sandbox's demo, `payauth credentials create private-key-jwt`
 * without `--cert`, and tests.
 *
 * @example
 * ```ts
 * const { keyPem, certificatePem, pkcs12 } = generateIdentity({ commonName: 'acme', password: 'secret' })
 * ```
 */
export function generateIdentity(options: {
  commonName: string;
  password: string;
  days?: number;
}): GeneratedIdentity {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  certificate.serialNumber = `01${randomBytes(8).toString('hex')}`;
  const now = Date.now();
  // Backdated by a day, as CAs do, so a verifier whose clock runs behind still accepts it.
  certificate.validity.notBefore = new Date(now - 86_400_000);
  certificate.validity.notAfter = new Date(now + (options.days ?? 365) * 86_400_000);
  const attributes = [{ name: 'commonName', value: options.commonName }];
  certificate.setSubject(attributes);
  certificate.setIssuer(attributes);
  certificate.sign(keys.privateKey, forge.md.sha256.create());
  const asn1 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [certificate], options.password, {
    algorithm: 'aes256',
    generateLocalKeyId: true,
    friendlyName: options.commonName,
  });
  // PKCS#8, not forge's default PKCS#1 (`BEGIN RSA PRIVATE KEY`), which WebCrypto and jose refuse.
  const keyPem = forge.pki.privateKeyInfoToPem(
    forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keys.privateKey)),
  );
  return {
    keyPem,
    certificatePem: forge.pki.certificateToPem(certificate),
    pkcs12: Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'),
  };
}
