// Key loading on Node, Bun and Deno (chosen by the `node` condition of the `#keys` import map): node:crypto
// KeyObjects, loaded synchronously, and node-forge for PKCS#12, required on first use only (createRequire), so that
// a program that never reads a `.pfx` never loads it. web.ts is the same API for runtimes without node:crypto.
import { createPrivateKey, type JsonWebKey, type KeyObject, X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  type AssertionAlgorithm,
  type CertificateLike,
  type CertificateThumbprints,
  computeThumbprints,
  type KeyLike,
  KeyMaterialError,
} from '@payauth/core';
import type Forge from 'node-forge';
import type { SigningKeyOptions } from './signing-key-options.ts';

let loadedForge: typeof Forge | undefined;

/** node-forge, required on first use. */
function forgeOf(): typeof Forge {
  loadedForge ??= createRequire(import.meta.url)('node-forge') as typeof Forge;
  return loadedForge;
}

/** A private key with the certificate registered for it. */
export interface KeyMaterial {
  readonly privateKey: KeyObject;
  /** Absent when loaded from a bare JWK or key PEM. */
  readonly certificate?: X509Certificate;
  /** Every fingerprint form of the certificate, when there is one. */
  readonly thumbprints?: CertificateThumbprints;
}

function assertPair(privateKey: KeyObject, certificate: X509Certificate | undefined): void {
  if (certificate && !certificate.checkPrivateKey(privateKey)) {
    throw new KeyMaterialError('the private key does not match the certificate');
  }
}

function withThumbprints(privateKey: KeyObject, certificate?: X509Certificate): KeyMaterial {
  assertPair(privateKey, certificate);
  return certificate
    ? { privateKey, certificate, thumbprints: computeThumbprints(certificate) }
    : { privateKey };
}

/**
 * Loads the private key and certificate from a password-protected PKCS#12 (`.pfx`/`.p12`) file's bytes, in either the
 * legacy encoding (RC2/3DES, SHA-1 MAC) or OpenSSL 3's default (PBES2 with AES-256-CBC, SHA-256 MAC). node:crypto
 * cannot read PKCS#12, so this uses node-forge: maintained, pure JavaScript (no native build), and it reads both.
 *
 * @example
 * ```ts
 * const { privateKey, certificate } = loadPkcs12(readFileSync('client.pfx'), process.env.PFX_PASSWORD!)
 * ```
 */
export function loadPkcs12(bytes: Uint8Array, password: string): KeyMaterial {
  const forge = forgeOf();
  let p12: Forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, password);
  } catch (error) {
    const reason = /MAC|password/i.test(String((error as Error)?.message))
      ? 'wrong password for the PKCS#12 file'
      : 'not a PKCS#12 file, or an encoding this reader does not support';
    throw new KeyMaterialError(reason);
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ??
      []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  const key = keyBags.find((bag) => bag.key)?.key;
  if (!key)
    throw new KeyMaterialError(
      'the PKCS#12 file holds no private key (or an EC key this reader cannot read)',
    );
  const privateKey = createPrivateKey(forge.pki.privateKeyToPem(key));
  const certificates = certBags.flatMap((bag) =>
    bag.cert ? [new X509Certificate(forge.pki.certificateToPem(bag.cert))] : [],
  );
  const certificate = certificates.find((c) => c.checkPrivateKey(privateKey)) ?? certificates[0];
  return withThumbprints(privateKey, certificate);
}

/**
 * Loads a PEM private key (PKCS#8, encrypted or not, or PKCS#1) and optionally its PEM certificate.
 *
 * @example
 * ```ts
 * loadPem({ key: readFileSync('key.pem', 'utf8'), certificate: readFileSync('cert.pem', 'utf8'), passphrase })
 * ```
 */
export function loadPem(input: { key: string; certificate?: string; passphrase?: string }): KeyMaterial {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(
      input.passphrase === undefined ? input.key : { key: input.key, passphrase: input.passphrase },
    );
  } catch {
    throw new KeyMaterialError(
      /ENCRYPTED/.test(input.key)
        ? 'could not decrypt the PEM key: wrong or missing passphrase'
        : 'not a PEM private key',
    );
  }
  let certificate: X509Certificate | undefined;
  if (input.certificate !== undefined) {
    try {
      certificate = new X509Certificate(input.certificate);
    } catch {
      throw new KeyMaterialError('not a PEM certificate');
    }
  }
  return withThumbprints(privateKey, certificate);
}

/**
 * Loads a private JWK (RSA or EC), optionally with its PEM certificate.
 *
 * @example
 * ```ts
 * loadJwk(JSON.parse(readFileSync('key.jwk', 'utf8')))
 * ```
 */
export function loadJwk(jwk: JsonWebKey, certificatePem?: string): KeyMaterial {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new KeyMaterialError('not a private JWK');
  }
  return withThumbprints(
    privateKey,
    certificatePem === undefined ? undefined : new X509Certificate(certificatePem),
  );
}

/**
 * {@link loadPkcs12}, with the signature web runtimes have (WebCrypto imports keys asynchronously): code written for
 * every runtime calls this one.
 *
 * @example
 * ```ts
 * const { privateKey, certificate } = await importPkcs12(pfxBytes, process.env.PFX_PASSWORD!)
 * ```
 */
export async function importPkcs12(
  bytes: Uint8Array,
  password: string,
  _algorithm?: AssertionAlgorithm,
): Promise<KeyMaterial> {
  return loadPkcs12(bytes, password);
}

/**
 * {@link loadPem}, with the signature web runtimes have.
 *
 * @example
 * ```ts
 * await importPem({ key: keyPem, certificate: certificatePem })
 * ```
 */
export async function importPem(
  input: { key: string; certificate?: string; passphrase?: string },
  _algorithm?: AssertionAlgorithm,
): Promise<KeyMaterial> {
  return loadPem(input);
}

/**
 * {@link loadJwk}, with the signature web runtimes have.
 *
 * @example
 * ```ts
 * await importJwk(jwk, certificatePem)
 * ```
 */
export async function importJwk(
  jwk: JsonWebKey,
  certificatePem?: string,
  _algorithm?: AssertionAlgorithm,
): Promise<KeyMaterial> {
  return loadJwk(jwk, certificatePem);
}

export type { SigningKeyOptions };

/**
 * The signing key of the private-key-jwt strategy, loaded synchronously, so that a wrong password or a key that does
 * not match its certificate throws when the strategy is made.
 */
export function loadSigningKey(options: SigningKeyOptions): {
  privateKey: KeyLike;
  certificate?: CertificateLike;
} {
  if (options.key) {
    return { privateKey: options.key, ...(options.certificate ? { certificate: options.certificate } : {}) };
  }
  if (options.pfx) return loadPkcs12(options.pfx, options.password!);
  return loadPem(options.pem!);
}
