import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadPkcs12 } from '@payauth/client/keys';
import { createClientAssertion, formatHmacHeader, type Mechanism, signAppToken } from '@payauth/core';
import { DEMO } from '@payauth/server';
import { ISSUER, send, type Target, type WireRequest } from './targets.ts';

/** The eMoney token endpoint every target is configured with. */
export const TOKEN_ENDPOINT = `${ISSUER}/connect/token`;

export const json = (path: string, body: string | object, contentType = 'application/json'): WireRequest => ({
  method: 'POST',
  path,
  headers: [['Content-Type', contentType]],
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

export const form = (fields: Record<string, string> | string, contentType?: string): WireRequest => ({
  method: 'POST',
  path: '/connect/token',
  headers: [['Content-Type', contentType ?? 'application/x-www-form-urlencoded']],
  body: typeof fields === 'string' ? fields : new URLSearchParams(fields).toString(),
});

export const get = (path: string, headers: ReadonlyArray<readonly [string, string]> = []): WireRequest => ({
  path,
  headers,
});

export const hmacHeader = (
  overrides: { timestamp?: number; secretKey?: string; accessKey?: string; version?: string } = {},
) =>
  formatHmacHeader({
    accessKey: overrides.accessKey ?? DEMO.hmac.accessKey,
    secretKey: overrides.secretKey ?? DEMO.hmac.secretKey,
    timestamp: overrides.timestamp ?? Date.now(),
    ...(overrides.version ? { version: overrides.version } : {}),
  });

/** A Fondy token request body, signed with the demo secret unless overridden. */
export const appTokenBody = (
  overrides: Record<string, unknown> = {},
  secretKey: string = DEMO.appToken.secretKey,
) => {
  const date = new Date().toISOString();
  const applicationId = String(overrides.application_id ?? DEMO.appToken.applicationId);
  return JSON.stringify({
    application_id: applicationId,
    date,
    signature: signAppToken({ secretKey, applicationId, date }),
    ...overrides,
  });
};

export const ASSERTION_FORM = {
  grant_type: 'client_credentials',
  client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  scope: 'API',
} as const;

/** A client assertion for the target's demo eMoney client (or the given key), fresh `jti` each call. */
export function demoAssertion(
  target: Target,
  overrides: Partial<Parameters<typeof createClientAssertion>[0]> = {},
): string {
  const demo = target.payauth.demo!['private-key-jwt'];
  const key = loadPkcs12(readFileSync(demo.pfxPath), demo.pfxPassword);
  return createClientAssertion({
    clientId: demo.clientId,
    privateKey: key.privateKey,
    certificate: key.certificate!,
    audience: TOKEN_ENDPOINT,
    ...overrides,
  });
}

/** The credentials the suite creates on each target, for partner `acme`: the principal of each is known. */
export interface PartnerCredentials {
  readonly hmac: Record<string, string>;
  readonly 'app-token': Record<string, string>;
  readonly 'private-key-jwt': Record<string, string>;
  readonly 'api-key': Record<string, string>;
}

export async function createPartnerCredentials(target: Target): Promise<PartnerCredentials> {
  const create = (mechanism: Mechanism) => target.payauth.credentials.create(mechanism, { partner: 'acme' });
  return {
    hmac: await create('hmac'),
    'app-token': await create('app-token'),
    'private-key-jwt': await create('private-key-jwt'),
    'api-key': await create('api-key'),
  };
}

/** The public id of a created credential, as the principal shows it. */
export function publicIdOf(mechanism: Mechanism, created: Record<string, string>): string {
  const field = {
    hmac: 'accessKey',
    'app-token': 'applicationId',
    'private-key-jwt': 'clientId',
    'api-key': 'apiKey',
  }[mechanism];
  return created[field]!;
}

/** Fetches a token for a created credential from the target's token endpoint. */
export async function issueToken(
  target: Target,
  mechanism: Mechanism,
  created: Record<string, string>,
): Promise<string> {
  if (mechanism === 'app-token') {
    const response = await send(
      target.url,
      json(
        '/authorizer/token/application/get',
        appTokenBody({ application_id: created.applicationId }, created.secretKey),
      ),
    );
    return JSON.parse(response.body).token;
  }
  if (mechanism === 'api-key') {
    const response = await send(
      target.url,
      json('/business/auth', { apiKey: created.apiKey, apiSecret: created.apiSecret }),
    );
    return JSON.parse(response.body).accessToken;
  }
  if (mechanism === 'private-key-jwt') {
    const certificate = new X509Certificate(created.certificatePem!);
    const assertion = createClientAssertion({
      clientId: created.clientId!,
      privateKey: createPrivateKey(created.privateKeyPem!),
      certificate,
      audience: TOKEN_ENDPOINT,
    });
    const response = await send(target.url, form({ ...ASSERTION_FORM, client_assertion: assertion }));
    return JSON.parse(response.body).access_token;
  }
  throw new Error('hmac has no token');
}

/** The headers that authenticate a request with a created credential of `mechanism`. */
export async function authHeaders(
  target: Target,
  mechanism: Mechanism,
  created: Record<string, string>,
): Promise<Array<[string, string]>> {
  if (mechanism === 'hmac') {
    return [['Authorization', hmacHeader({ accessKey: created.accessKey!, secretKey: created.secretKey! })]];
  }
  const token = await issueToken(target, mechanism, created);
  const headers: Array<[string, string]> = [['Authorization', `Bearer ${token}`]];
  if (mechanism === 'private-key-jwt') headers.push(['apikey', created.apiKey!]);
  return headers;
}

/** A deterministic byte generator (the fuzzed requests are the same bytes on every target). */
export function seededBytes(seed: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

/** A random suffix for ids that must not collide between runs. */
export const unique = () => randomBytes(4).toString('hex');
