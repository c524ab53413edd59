import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateIdentity } from './identity.ts';

describe('generateIdentity', () => {
  const identity = generateIdentity({ commonName: 'sandbox', password: 'demo-password' });

  it('writes the key as PKCS#8, which WebCrypto imports', async () => {
    expect(identity.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const der = createPrivateKey(identity.keyPem).export({ type: 'pkcs8', format: 'der' });
    const key = await crypto.subtle.importKey(
      'pkcs8',
      der,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    expect(key.type).toBe('private');
  });

  it('the .pfx opens with openssl and holds the certificate of the key', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'payauth-identity-')), 'generated.pfx');
    writeFileSync(path, identity.pkcs12);
    const text = execFileSync(
      'openssl',
      ['pkcs12', '-in', path, '-passin', 'pass:demo-password', '-nokeys'],
      {
        encoding: 'utf8',
      },
    );
    expect(text).toContain('BEGIN CERTIFICATE');
    const certificate = new X509Certificate(identity.certificatePem);
    expect(certificate.subject).toContain('sandbox');
    expect(certificate.checkPrivateKey(createPrivateKey(identity.keyPem))).toBe(true);
  });
});
