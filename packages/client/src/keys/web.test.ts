// The web key loader (what workerd, edge runtimes and browsers get from `#keys`), run on Node against keys and
// certificates made by the openssl command line, and checked with node:crypto.
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify, type webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { computeThumbprints, KeyMaterialError, UnsupportedRuntimeError } from '@payauth/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTestCertificate,
  exportPkcs12,
  type TestCertificate,
} from '../../../../test/support/certificates.ts';
import { certificatePublicKeyInfo } from './der.ts';
import { importJwk, importPem, importPkcs12, loadPem, loadPkcs12 } from './web.ts';

let rsa: TestCertificate;
let ec: TestCertificate;
let other: TestCertificate;
beforeAll(() => {
  rsa = createTestCertificate();
  ec = createTestCertificate({ keyType: 'ec' });
  other = createTestCertificate();
});

/** The key signs what the certificate's public key verifies (node:crypto checks WebCrypto's signature). */
async function expectSamePair(privateKey: webcrypto.CryptoKey, pair: TestCertificate): Promise<void> {
  const data = Buffer.from('payauth');
  const parameters =
    privateKey.algorithm.name === 'ECDSA'
      ? { name: 'ECDSA', hash: 'SHA-256' }
      : { name: privateKey.algorithm.name, saltLength: 32 };
  const signature = Buffer.from(await crypto.subtle.sign(parameters, privateKey, data));
  const key = pair.certificate.publicKey;
  const options =
    privateKey.algorithm.name === 'ECDSA'
      ? { key, dsaEncoding: 'ieee-p1363' as const }
      : privateKey.algorithm.name === 'RSA-PSS'
        ? { key, padding: 6, saltLength: 32 }
        : key;
  expect(verify('sha256', data, options, signature)).toBe(true);
}

describe('X.509 SubjectPublicKeyInfo', () => {
  it('is the one node:crypto reads from the certificate', () => {
    for (const pair of [rsa, ec]) {
      const expected = pair.certificate.publicKey.export({ type: 'spki', format: 'der' });
      expect(
        Buffer.from(certificatePublicKeyInfo(new Uint8Array(pair.certificate.raw))).equals(expected),
      ).toBe(true);
    }
  });
});

describe('PKCS#12 (.pfx) made by openssl pkcs12, imported with WebCrypto', () => {
  it.each(['aes', 'legacy', '3des'] as const)('reads the %s encoding with its password', async (encoding) => {
    const path = exportPkcs12(rsa, 'pfx-password', encoding);
    const material = await importPkcs12(readFileSync(path), 'pfx-password');
    await expectSamePair(material.privateKey, rsa);
    expect(Buffer.from(material.certificate!).equals(rsa.certificate.raw)).toBe(true);
    expect(material.thumbprints).toEqual(computeThumbprints(rsa.certificate));
  });

  it('imports the key for PS256 when asked', async () => {
    const material = await importPkcs12(readFileSync(exportPkcs12(rsa, 'p', 'aes')), 'p', 'PS256');
    expect(material.privateKey.algorithm.name).toBe('RSA-PSS');
    await expectSamePair(material.privateKey, rsa);
  });

  it('a wrong password is a KeyMaterialError that does not echo it; garbage is one too', async () => {
    const path = exportPkcs12(rsa, 'pfx-password', 'aes');
    const error = await importPkcs12(readFileSync(path), 'not-the-password').catch((caught) => caught);
    expect(error).toBeInstanceOf(KeyMaterialError);
    expect(error.message).toMatch(/wrong password/);
    expect(error.message).not.toContain('not-the-password');
    await expect(importPkcs12(Buffer.from('not a pfx'), 'x')).rejects.toThrow(KeyMaterialError);
  });
});

describe('PEM and JWK, imported with WebCrypto', () => {
  it('reads PKCS#8, PKCS#1 and SEC1 keys with their certificates', async () => {
    await expectSamePair(
      (await importPem({ key: rsa.keyPem, certificate: rsa.certificatePem })).privateKey,
      rsa,
    );
    const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    await expectSamePair((await importPem({ key: pkcs1, certificate: rsa.certificatePem })).privateKey, rsa);
    const sec1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    expect(sec1).toContain('BEGIN EC PRIVATE KEY');
    const material = await importPem({ key: sec1, certificate: ec.certificatePem }, 'ES256');
    await expectSamePair(material.privateKey, ec);
    expect(material.thumbprints).toEqual(computeThumbprints(ec.certificate));
  });

  it('reads an encrypted PKCS#8 key with its passphrase, refuses a wrong one without echoing it', async () => {
    const encrypted = execFileSync(
      'openssl',
      ['pkcs8', '-topk8', '-in', rsa.keyPath, '-passout', 'pass:pem-pass', '-v2', 'aes-256-cbc'],
      { encoding: 'utf8' },
    );
    const material = await importPem({
      key: encrypted,
      passphrase: 'pem-pass',
      certificate: rsa.certificatePem,
    });
    await expectSamePair(material.privateKey, rsa);
    const error = await importPem({ key: encrypted, passphrase: 'wrong-pass' }).catch((caught) => caught);
    expect(error).toBeInstanceOf(KeyMaterialError);
    expect(error.message).not.toContain('wrong-pass');
  });

  it('refuses a key and a certificate that do not match, and text that is no key', async () => {
    await expect(importPem({ key: rsa.keyPem, certificate: other.certificatePem })).rejects.toThrow(
      /does not match/,
    );
    await expect(importPem({ key: ec.keyPem, certificate: rsa.certificatePem }, 'ES256')).rejects.toThrow(
      KeyMaterialError,
    );
    await expect(importPem({ key: 'nothing' })).rejects.toThrow(/not a PEM private key/);
    await expect(importPem({ key: rsa.keyPem, certificate: 'nothing' })).rejects.toThrow(
      /not a PEM certificate/,
    );
  });

  it('reads a private JWK', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const material = await importJwk(privateKey.export({ format: 'jwk' }) as webcrypto.JsonWebKey);
    expect(material.privateKey.algorithm.name).toBe('ECDSA');
    expect(createPublicKey(privateKey).asymmetricKeyType).toBe('ec');
    await expect(importJwk({ kty: 'RSA' })).rejects.toThrow(KeyMaterialError);
  });

  it('the synchronous loaders name their asynchronous twins', () => {
    expect(() => loadPkcs12(new Uint8Array(), 'x')).toThrow(UnsupportedRuntimeError);
    expect(() => loadPem({ key: rsa.keyPem })).toThrow(/importPem/);
  });
});
