import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeThumbprints } from '@payauth/core';
import vectors from '@payauth/core/vectors.json' with { type: 'json' };
import type { CredentialService } from '../credentials/service.ts';
import { StoreConflictError } from '../store/errors.ts';
import type { PayauthStore } from '../store/types.ts';
import { generateIdentity } from './identity.ts';

/** The partner the sandbox seeds. */
export const DEMO_PARTNER = 'demo-partner';

/** The documents' own sample values, and ours where a document has none. */
export const DEMO = {
  hmac: { accessKey: 'k1rXpphkRG!2-Fox', secretKey: 'E0!oYfVpA6-noiqGr-pT7AJ2ybT4r7lx', version: '1' },
  // Document 002 does not publish the secret behind its example signature: this one is ours.
  appToken: { applicationId: '1234', secretKey: 'fondy-demo-secret-1234' },
  apiKey: { apiKey: 'your_api_key', apiSecret: 'your_api_secret' },
  privateKeyJwt: {
    clientId: 'emoney-demo-client',
    apiKey: 'emoney-demo-api-key',
    pfxPassword: 'demo-password',
  },
} as const;

/** Every demo credential, as printed and written to `payauth-demo/credentials.json`. */
export interface DemoCredentials {
  hmac: typeof DEMO.hmac;
  'app-token': typeof DEMO.appToken;
  'api-key': typeof DEMO.apiKey;
  'private-key-jwt': {
    clientId: string;
    apiKey: string;
    kid: string;
    tokenEndpoint: string;
    keyPath: string;
    certificatePath: string;
    pfxPath: string;
    pfxPassword: string;
  };
}

async function createOnce(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    // Restarting on the same store: the credential is already there.
    if (!(error instanceof StoreConflictError)) throw error;
  }
}

/**
 * Seeds the sandbox with the documents' sample values: the hmac key of document 000 with its two accounts,
 * Fondy's application 1234, WakaPay's your_api_key, and an eMoney client whose key, certificate and
 * password-protected `.pfx` are written to `<directory>/payauth-demo/`. Idempotent across restarts.
 */
export async function seedDemo(options: {
  service: CredentialService;
  store: PayauthStore;
  directory: string;
  issuer: string;
}): Promise<DemoCredentials> {
  const { service, store } = options;
  const folder = join(options.directory, 'payauth-demo');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const partnerId = DEMO_PARTNER;
  await createOnce(() =>
    service.create('hmac', { partnerId, publicId: DEMO.hmac.accessKey, secret: DEMO.hmac.secretKey }),
  );
  await createOnce(() =>
    service.create('app-token', {
      partnerId,
      publicId: DEMO.appToken.applicationId,
      secret: DEMO.appToken.secretKey,
    }),
  );
  await createOnce(() =>
    service.create('api-key', { partnerId, publicId: DEMO.apiKey.apiKey, secret: DEMO.apiKey.apiSecret }),
  );
  const keyPath = join(folder, 'emoney-client-key.pem');
  const certificatePath = join(folder, 'emoney-client-cert.pem');
  const pfxPath = join(folder, 'emoney-client.pfx');
  const existing = await store.findCredential('private-key-jwt', DEMO.privateKeyJwt.clientId);
  let certificatePem: string;
  if (existing && existsSync(certificatePath) && existsSync(pfxPath) && existsSync(keyPath)) {
    certificatePem = readFileSync(certificatePath, 'utf8');
  } else {
    const identity = generateIdentity({
      commonName: DEMO.privateKeyJwt.clientId,
      password: DEMO.privateKeyJwt.pfxPassword,
    });
    writeFileSync(keyPath, identity.keyPem, { mode: 0o600 });
    writeFileSync(certificatePath, identity.certificatePem);
    writeFileSync(pfxPath, identity.pkcs12, { mode: 0o600 });
    certificatePem = identity.certificatePem;
    if (existing) await service.rotate(existing.id, { certificatePem, overlapSeconds: 0 });
    else {
      await service.create('private-key-jwt', {
        partnerId,
        publicId: DEMO.privateKeyJwt.clientId,
        apiKey: DEMO.privateKeyJwt.apiKey,
        certificatePem,
      });
    }
  }
  await store.putAccounts(partnerId, vectors.hmacAccounts.accounts);
  await store.putUsers(partnerId, [
    { id: 'U-1001', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', status: 'ACTIVE' },
    { id: 'U-1002', firstName: 'Alan', lastName: 'Turing', email: 'alan@example.com', status: 'ACTIVE' },
  ]);
  await store.putBalance(partnerId, 'USD', '1250.00');
  await store.putBalance(partnerId, 'EUR', '310.75');
  const credentials: DemoCredentials = {
    hmac: DEMO.hmac,
    'app-token': DEMO.appToken,
    'api-key': DEMO.apiKey,
    'private-key-jwt': {
      clientId: DEMO.privateKeyJwt.clientId,
      apiKey: DEMO.privateKeyJwt.apiKey,
      kid: computeThumbprints(certificatePem).x5t,
      tokenEndpoint: `${options.issuer}/connect/token`,
      keyPath,
      certificatePath,
      pfxPath,
      pfxPassword: DEMO.privateKeyJwt.pfxPassword,
    },
  };
  writeFileSync(join(folder, 'credentials.json'), `${JSON.stringify(credentials, null, 2)}\n`, {
    mode: 0o600,
  });
  return credentials;
}

/** The demo credentials as lines for the terminal. */
export function formatDemo(credentials: DemoCredentials): string {
  const pkj = credentials['private-key-jwt'];
  return [
    "Demo credentials (the documents' own sample values; sandbox only):",
    `  hmac            accessKey ${credentials.hmac.accessKey}  secretKey ${credentials.hmac.secretKey}  version ${credentials.hmac.version}`,
    `  app-token       application_id ${credentials['app-token'].applicationId}  secretKey ${credentials['app-token'].secretKey}`,
    `  api-key         apiKey ${credentials['api-key'].apiKey}  apiSecret ${credentials['api-key'].apiSecret}`,
    `  private-key-jwt client_id ${pkj.clientId}  apikey ${pkj.apiKey}  kid ${pkj.kid}`,
    `                  token endpoint ${pkj.tokenEndpoint}`,
    `                  pfx ${pkj.pfxPath} (password ${pkj.pfxPassword})`,
    `                  key ${pkj.keyPath}  certificate ${pkj.certificatePath}`,
  ].join('\n');
}
