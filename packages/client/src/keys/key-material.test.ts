import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KeyMaterialError } from '@payauth/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTestCertificate,
  exportPkcs12,
  type TestCertificate,
} from '../../../../test/support/certificates.ts';
import { loadJwk, loadPem, loadPkcs12 } from './key-material.ts';

let rsa: TestCertificate;
let other: TestCertificate;
beforeAll(() => {
  rsa = createTestCertificate();
  other = createTestCertificate();
});

const samePair = (a: ReturnType<typeof loadPem>, b: TestCertificate) => {
  const data = Buffer.from('payauth');
  expect(verify('sha256', data, b.certificate.publicKey, sign('sha256', data, a.privateKey))).toBe(true);
};

describe('PKCS#12 (.pfx) made by openssl pkcs12', () => {
  it.each(['aes', 'legacy', '3des'] as const)('reads the %s encoding with its password', (encoding) => {
    const path = exportPkcs12(rsa, 'pfx-password', encoding);
    const material = loadPkcs12(readFileSync(path), 'pfx-password');
    samePair(material, rsa);
    expect(material.certificate?.fingerprint256).toBe(rsa.certificate.fingerprint256);
    expect(material.thumbprints?.x5t).toHaveLength(27);
  });

  it('a wrong password is a KeyMaterialError that does not echo it', () => {
    const path = exportPkcs12(rsa, 'pfx-password', 'aes');
    try {
      loadPkcs12(readFileSync(path), 'not-the-password');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(KeyMaterialError);
      expect((error as Error).message).toMatch(/wrong password/);
      expect((error as Error).message).not.toContain('not-the-password');
    }
  });

  it('garbage is a KeyMaterialError', () => {
    expect(() => loadPkcs12(Buffer.from('not a pfx'), 'x')).toThrow(KeyMaterialError);
  });
});

describe('PEM and JWK', () => {
  it('reads a plain PKCS#8 key with its certificate', () => {
    samePair(loadPem({ key: rsa.keyPem, certificate: rsa.certificatePem }), rsa);
  });

  it('reads an encrypted PKCS#8 key with its passphrase, refuses a wrong one without echoing it', () => {
    const encrypted = execFileSync(
      'openssl',
      ['pkcs8', '-topk8', '-in', rsa.keyPath, '-passout', 'pass:pem-pass', '-v2', 'aes-256-cbc'],
      { encoding: 'utf8' },
    );
    expect(encrypted).toContain('ENCRYPTED PRIVATE KEY');
    samePair(loadPem({ key: encrypted, passphrase: 'pem-pass', certificate: rsa.certificatePem }), rsa);
    try {
      loadPem({ key: encrypted, passphrase: 'wrong-pass' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(KeyMaterialError);
      expect((error as Error).message).not.toContain('wrong-pass');
    }
  });

  it('refuses a key and a certificate that do not match', () => {
    expect(() => loadPem({ key: rsa.keyPem, certificate: other.certificatePem })).toThrow(/does not match/);
  });

  it('reads a private JWK', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const material = loadJwk(privateKey.export({ format: 'jwk' }));
    expect(createPublicKey(material.privateKey).asymmetricKeyType).toBe('ec');
    expect(() => loadJwk({ kty: 'RSA' })).toThrow(KeyMaterialError);
  });
});
