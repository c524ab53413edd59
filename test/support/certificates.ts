import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key pair and self-signed certificate made by the openssl command line (not by payauth). */
export interface TestCertificate {
  readonly directory: string;
  readonly keyPem: string;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
  readonly certificate: X509Certificate;
  readonly keyPath: string;
  readonly certificatePath: string;
}

/**
 * Makes a key and certificate with `openssl req`. `days` may be negative-free only; use `notAfterPast` for an
 * expired one.
 */
export function createTestCertificate(
  options: { keyType?: 'rsa' | 'ec'; days?: number; subject?: string } = {},
): TestCertificate {
  const directory = mkdtempSync(join(tmpdir(), 'payauth-cert-'));
  const keyPath = join(directory, 'key.pem');
  const certificatePath = join(directory, 'cert.pem');
  const keyArguments =
    options.keyType === 'ec'
      ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : ['-newkey', 'rsa:2048'];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...keyArguments,
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certificatePath,
      '-days',
      String(options.days ?? 30),
      '-subj',
      options.subject ?? '/CN=payauth-test',
    ],
    { stdio: 'ignore' },
  );
  const keyPem = readFileSync(keyPath, 'utf8');
  const certificatePem = readFileSync(certificatePath, 'utf8');
  return {
    directory,
    keyPem,
    certificatePem,
    keyPath,
    certificatePath,
    privateKey: createPrivateKey(keyPem),
    certificate: new X509Certificate(certificatePem),
  };
}

/** Bundles a key and certificate into a password-protected .pfx with `openssl pkcs12`. */
export function exportPkcs12(
  certificate: TestCertificate,
  password: string,
  encoding: 'aes' | 'legacy' | '3des',
): string {
  const path = join(certificate.directory, `bundle-${encoding}.pfx`);
  const extra =
    encoding === 'legacy'
      ? ['-legacy']
      : encoding === '3des'
        ? ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']
        : [];
  execFileSync(
    'openssl',
    [
      'pkcs12',
      '-export',
      ...extra,
      '-inkey',
      certificate.keyPath,
      '-in',
      certificate.certificatePath,
      '-out',
      path,
      '-passout',
      `pass:${password}`,
    ],
    { stdio: 'ignore' },
  );
  return path;
}
