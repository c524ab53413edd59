import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertionAudiences, createClientAssertion } from '@payauth/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHostOf, createPayauth, type Payauth } from '../payauth.ts';
import { diagnoseForAdmin } from './diagnose.ts';

let payauth: Payauth;
let directory: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'payauth-diagnose-'));
  payauth = await createPayauth({ store: ':memory:', demo: true, demoDirectory: directory, logger: false });
});
afterAll(async () => {
  await payauth.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('the admin diagnosis of an assertion', () => {
  // Regression: the diagnosis accepted `<issuer>/connect/token` and `<issuer>` only, while the endpoint also accepts
  // `<issuer>/` (openid-client sends the issuer as discovered): an assertion the server accepts was diagnosed invalid.
  it.each(assertionAudiences('http://127.0.0.1:8080'))(
    'finds an assertion with aud %s valid',
    async (audience) => {
      const demo = payauth.demo!['private-key-jwt'];
      const assertion = createClientAssertion({
        clientId: demo.clientId,
        privateKey: createPrivateKey(readFileSync(demo.keyPath)),
        certificate: new X509Certificate(readFileSync(demo.certificatePath)),
        audience,
      });
      const diagnosis = await diagnoseForAdmin(adminHostOf(payauth), 'assertion', assertion, undefined, 'en');
      expect(diagnosis.findings.filter((finding) => finding.severity === 'error')).toEqual([]);
      expect(diagnosis.valid).toBe(true);
    },
  );
});
