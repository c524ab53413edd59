// Key loading where only web standards exist (workerd, edge runtimes, browsers; chosen by the `#keys` import map):
// WebCrypto imports the keys, a few DER helpers read what WebCrypto does not, and node-forge (heavy) is loaded only
// by those who pass a `.pfx` or an encrypted PEM key, through a dynamic import.
import type { webcrypto } from 'node:crypto';
import {
  type AssertionAlgorithm,
  type CertificateLike,
  type CertificateThumbprints,
  certificateDer,
  computeThumbprints,
  decodePem,
  type KeyLike,
  KeyMaterialError,
  pemLabel,
  UnsupportedRuntimeError,
} from '@payauth/core';
import { certificatePublicKeyInfo, wrapEcPrivateKey, wrapRsaPrivateKey } from './der.ts';
import type { SigningKeyOptions } from './signing-key-options.ts';

// Type names only (erased): the web's CryptoKey and JsonWebKey, as @types/node declares them.
type CryptoKey = webcrypto.CryptoKey;
type JsonWebKey = webcrypto.JsonWebKey;

/** A private key (a WebCrypto CryptoKey, imported for one algorithm) with the certificate registered for it. */
export interface KeyMaterial {
  readonly privateKey: CryptoKey;
  /** The DER certificate; absent when loaded from a bare key. */
  readonly certificate?: Uint8Array;
  /** Every fingerprint form of the certificate, when there is one. */
  readonly thumbprints?: CertificateThumbprints;
}

/** WebCrypto's import parameters of each assertion algorithm. */
const IMPORT_PARAMETERS = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
} as const;

/** The public parts of a JWK, by key type: what must be equal for a private key to match a certificate. */
const PUBLIC_MEMBERS = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'] } as const;

async function importPrivateKey(
  pkcs8: Uint8Array,
  algorithm: AssertionAlgorithm,
  extractable: boolean,
): Promise<CryptoKey> {
  try {
    // Always called on crypto.subtle itself: a detached WebCrypto method throws "Illegal invocation" on workerd.
    return await crypto.subtle.importKey('pkcs8', pkcs8, IMPORT_PARAMETERS[algorithm], extractable, ['sign']);
  } catch {
    throw new KeyMaterialError(`the private key cannot be used for ${algorithm}`);
  }
}

/**
 * The key, checked against the certificate: the public members of the private key's JWK (RSA `n`/`e`, EC `x`/`y`)
 * must be those of the certificate's SubjectPublicKeyInfo (node:crypto's `checkPrivateKey`, in web standards).
 */
async function withCertificate(
  pkcs8: Uint8Array,
  certificate: Uint8Array | undefined,
  algorithm: AssertionAlgorithm,
): Promise<KeyMaterial> {
  const privateKey = await importPrivateKey(pkcs8, algorithm, false);
  if (certificate === undefined) return { privateKey };
  const exportable = await importPrivateKey(pkcs8, algorithm, true);
  const privateJwk = await crypto.subtle.exportKey('jwk', exportable);
  let publicJwk: JsonWebKey;
  try {
    const publicKey = await crypto.subtle.importKey(
      'spki',
      certificatePublicKeyInfo(certificate),
      IMPORT_PARAMETERS[algorithm],
      true,
      ['verify'],
    );
    publicJwk = await crypto.subtle.exportKey('jwk', publicKey);
  } catch {
    throw new KeyMaterialError('the private key does not match the certificate');
  }
  const members: readonly ('n' | 'e' | 'crv' | 'x' | 'y')[] =
    PUBLIC_MEMBERS[privateJwk.kty as keyof typeof PUBLIC_MEMBERS] ?? [];
  if (members.length === 0 || members.some((name) => privateJwk[name] !== publicJwk[name])) {
    throw new KeyMaterialError('the private key does not match the certificate');
  }
  return { privateKey, certificate, thumbprints: computeThumbprints(certificate) };
}

function readCertificate(certificate: string | Uint8Array): Uint8Array {
  try {
    return certificateDer(certificate);
  } catch {
    throw new KeyMaterialError('not a PEM certificate');
  }
}

/**
 * node-forge, loaded on first use only. Its BigInteger (jsbn.js) reads `navigator.appName` as it loads anywhere but
 * Node, and Vercel's edge-runtime has no `navigator`: one is lent for the load alone, with the name that selects the
 * same arithmetic as on Node (`am3`, 28-bit digits), and taken back.
 */
async function loadForge(): Promise<typeof import('node-forge')> {
  const global = globalThis as { navigator?: unknown };
  const lent = global.navigator === undefined;
  if (lent) {
    Object.defineProperty(globalThis, 'navigator', {
      value: { appName: 'Netscape' },
      configurable: true,
      writable: true,
    });
  }
  try {
    // The modules PKCS#12 and PKCS#8 decryption need (pki requires pkcs12, pbe, x509, rsa…), not node-forge's index,
    // which adds TLS, SSH, PKCS#7 and Ed25519 to every eMoney Worker's bundle (FORGE_SAVING below).
    await import('node-forge/lib/pki.js');
    const loaded = await import('node-forge/lib/forge.js');
    return ((loaded as { default?: unknown }).default ?? loaded) as typeof import('node-forge');
  } finally {
    if (lent) delete global.navigator;
  }
}

function toBinary(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  }
  return binary;
}

function fromBinary(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/**
 * Imports the private key and certificate of a password-protected PKCS#12 (`.pfx`/`.p12`) file's bytes, legacy or
 * OpenSSL 3's default encoding, with node-forge (loaded now, on first use) and WebCrypto.
 *
 * @example
 * ```ts
 * const { privateKey, certificate } = await importPkcs12(pfxBytes, env.PFX_PASSWORD)
 * ```
 */
export async function importPkcs12(
  bytes: Uint8Array,
  password: string,
  algorithm: AssertionAlgorithm = 'RS256',
): Promise<KeyMaterial> {
  const forge = await loadForge();
  let p12: import('node-forge').pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(toBinary(bytes)));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, password);
  } catch (error) {
    const reason = /MAC|password/i.test(String((error as Error)?.message))
      ? 'wrong password for the PKCS#12 file'
      : 'not a PKCS#12 file, or an encoding this reader does not support';
    throw new KeyMaterialError(reason);
  }
  const oids = forge.pki.oids;
  const keyBags = [
    ...(p12.getBags({ bagType: oids.pkcs8ShroudedKeyBag! })[oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: oids.keyBag! })[oids.keyBag!] ?? []),
  ];
  const key = keyBags.find((bag) => bag.key)?.key;
  if (!key) {
    throw new KeyMaterialError(
      'the PKCS#12 file holds no private key (or an EC key this reader cannot read)',
    );
  }
  const pkcs8 = fromBinary(
    forge.asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key))).getBytes(),
  );
  const certificates = (p12.getBags({ bagType: oids.certBag! })[oids.certBag!] ?? []).flatMap((bag) =>
    bag.cert ? [fromBinary(forge.asn1.toDer(forge.pki.certificateToAsn1(bag.cert)).getBytes())] : [],
  );
  // The certificate of this key, as node:crypto's loader picks it; else the first, which then fails the check.
  for (const certificate of certificates) {
    try {
      return await withCertificate(pkcs8, certificate, algorithm);
    } catch {}
  }
  return withCertificate(pkcs8, certificates[0], algorithm);
}

/** PKCS#8 DER of a PEM private key: PKCS#8 (encrypted or not), PKCS#1 RSA or SEC1 EC. */
async function pemToPkcs8(text: string, passphrase: string | undefined): Promise<Uint8Array> {
  const label = pemLabel(text);
  const der = label === undefined ? undefined : decodePem(text, label);
  if (der === undefined || /Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new KeyMaterialError(
      /ENCRYPTED/.test(text) ? 'could not decrypt the PEM key' : 'not a PEM private key',
    );
  }
  if (label === 'PRIVATE KEY') return der;
  if (label === 'RSA PRIVATE KEY') return wrapRsaPrivateKey(der);
  if (label === 'EC PRIVATE KEY') return wrapEcPrivateKey(der);
  if (label === 'ENCRYPTED PRIVATE KEY') {
    if (passphrase === undefined) {
      throw new KeyMaterialError('could not decrypt the PEM key: wrong or missing passphrase');
    }
    const forge = await loadForge();
    let info: import('node-forge').asn1.Asn1 | null = null;
    try {
      info = forge.pki.decryptPrivateKeyInfo(forge.asn1.fromDer(toBinary(der)), passphrase);
    } catch {}
    if (!info) throw new KeyMaterialError('could not decrypt the PEM key: wrong or missing passphrase');
    return fromBinary(forge.asn1.toDer(info).getBytes());
  }
  throw new KeyMaterialError('not a PEM private key');
}

/**
 * Imports a PEM private key (PKCS#8, encrypted or not, PKCS#1 or SEC1) and optionally its PEM certificate, with
 * WebCrypto; node-forge is loaded only to decrypt an encrypted key.
 *
 * @example
 * ```ts
 * await importPem({ key: env.KEY_PEM, certificate: env.CERT_PEM })
 * ```
 */
export async function importPem(
  input: { key: string; certificate?: string; passphrase?: string },
  algorithm: AssertionAlgorithm = 'RS256',
): Promise<KeyMaterial> {
  const certificate = input.certificate === undefined ? undefined : readCertificate(input.certificate);
  return withCertificate(await pemToPkcs8(input.key, input.passphrase), certificate, algorithm);
}

/**
 * Imports a private JWK (RSA or EC), optionally with its PEM certificate.
 *
 * @example
 * ```ts
 * await importJwk(JSON.parse(env.KEY_JWK), env.CERT_PEM)
 * ```
 */
export async function importJwk(
  jwk: JsonWebKey,
  certificatePem?: string,
  algorithm: AssertionAlgorithm = jwk.kty === 'EC' ? 'ES256' : 'RS256',
): Promise<KeyMaterial> {
  let pkcs8: Uint8Array;
  try {
    const key = await crypto.subtle.importKey('jwk', jwk, IMPORT_PARAMETERS[algorithm], true, ['sign']);
    pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', key));
  } catch {
    throw new KeyMaterialError('not a private JWK');
  }
  return withCertificate(
    pkcs8,
    certificatePem === undefined ? undefined : readCertificate(certificatePem),
    algorithm,
  );
}

function synchronousUnsupported(name: string, instead: string): never {
  throw new UnsupportedRuntimeError(
    `${name} is synchronous and needs node:crypto, which this runtime lacks; use ${instead} (asynchronous, WebCrypto)`,
  );
}

/** On web runtimes, use {@link importPkcs12}: WebCrypto imports keys asynchronously. Throws UnsupportedRuntimeError. */
export function loadPkcs12(_bytes: Uint8Array, _password: string): KeyMaterial {
  return synchronousUnsupported('loadPkcs12', 'importPkcs12');
}

/** On web runtimes, use {@link importPem}. Throws UnsupportedRuntimeError. */
export function loadPem(_input: { key: string; certificate?: string; passphrase?: string }): KeyMaterial {
  return synchronousUnsupported('loadPem', 'importPem');
}

/** On web runtimes, use {@link importJwk}. Throws UnsupportedRuntimeError. */
export function loadJwk(_jwk: JsonWebKey, _certificatePem?: string): KeyMaterial {
  return synchronousUnsupported('loadJwk', 'importJwk');
}

export type { SigningKeyOptions };

/** The signing key of the private-key-jwt strategy, imported with WebCrypto (asynchronously). */
export async function loadSigningKey(
  options: SigningKeyOptions,
): Promise<{ privateKey: KeyLike; certificate?: CertificateLike }> {
  if (options.key) {
    return { privateKey: options.key, ...(options.certificate ? { certificate: options.certificate } : {}) };
  }
  if (options.pfx) return importPkcs12(options.pfx, options.password!, options.algorithm);
  return importPem(options.pem!, options.algorithm);
}
