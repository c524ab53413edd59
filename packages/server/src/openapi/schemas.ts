/**
 * The JSON Schemas (2020-12, as OpenAPI 3.1 uses) of every body payauth sends or reads: the four providers'
 * documented bodies and error bodies (docs/providers/, docs/errors.md), the discovery documents, and the admin API.
 */

import { scenarioNames } from '../scenarios/catalog.ts';

type Schema = Record<string, unknown>;

const string = { type: 'string' } as const;
const integer = { type: 'integer' } as const;
const isoDate = { type: 'string', format: 'date-time' } as const;
const mechanism = { type: 'string', enum: ['hmac', 'app-token', 'private-key-jwt', 'api-key'] } as const;

function object(properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema {
  return { type: 'object', properties, required, additionalProperties: false };
}

/** The provider and platform schemas (components.schemas). */
export const providerSchemas: Record<string, Schema> = {
  HmacError: {
    ...object({ code: { type: 'string', enum: ['1002', '429', '500', '503'] }, message: string }),
    description: 'API-money: 401 `{"code":"1002",…}` for every authentication failure; 429/503 same shape.',
  },
  Account: object({
    id: string,
    type: string,
    status: string,
    tag: string,
    creation_date: string,
    kyc_level: string,
  }),
  Accounts: { type: 'array', items: { $ref: '#/components/schemas/Account' } },
  AppTokenRequest: object({
    application_id: {
      oneOf: [
        { type: 'string', maxLength: 20 },
        { type: 'integer', minimum: 0 },
      ],
    },
    date: { type: 'string', maxLength: 1024 },
    signature: { type: 'string', maxLength: 128, description: 'sha512(secret|application_id|date), hex' },
  }),
  AppTokenResponse: object({
    request_id: { type: 'string', minLength: 16, maxLength: 16 },
    token: string,
    expires_in: integer,
  }),
  AppTokenError: object({
    error_code: { type: 'integer', enum: [403, 429, 503] },
    error_message: string,
    request_id: string,
  }),
  TokenRequest: {
    type: 'object',
    properties: {
      grant_type: { const: 'client_credentials' },
      client_assertion_type: { const: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' },
      client_assertion: {
        type: 'string',
        description: 'RS256 JWT: iss = sub = client_id, aud = token endpoint',
      },
      scope: { type: 'string', examples: ['API'] },
      client_id: string,
    },
    required: ['grant_type', 'client_assertion_type', 'client_assertion'],
    description: 'Unknown parameters are ignored (RFC 6749 §3.2); a repeated one is refused.',
  },
  TokenResponse: object({
    access_token: string,
    token_type: { const: 'Bearer' },
    expires_in: integer,
    scope: string,
  }),
  OAuthError: object({
    error: {
      type: 'string',
      enum: [
        'invalid_request',
        'invalid_client',
        'invalid_grant',
        'unauthorized_client',
        'unsupported_grant_type',
        'invalid_scope',
        'invalid_token',
        'temporarily_unavailable',
        'server_error',
      ],
    },
    error_description: string,
  }),
  Users: { type: 'array', items: { type: 'object', additionalProperties: { type: 'string' } } },
  ApiKeyAuthRequest: {
    type: 'object',
    properties: { apiKey: string, apiSecret: string },
    required: ['apiKey', 'apiSecret'],
  },
  ApiKeyAuthResponse: object({ accessToken: string, expiresIn: integer }),
  ApiKeyError: object({ code: { const: 0 }, error: string }),
  Balance: object({ currency: { type: 'string', pattern: '^[A-Z]{3}$' }, balance: string }),
  Liveness: object({ status: { type: 'string', enum: ['live'] } }, ['status']),
  Readiness: object(
    {
      status: { type: 'string', enum: ['ready', 'unavailable'] },
      store: { type: 'string', enum: ['ok', 'down'] },
      state: { type: 'string', enum: ['ok', 'down'] },
    },
    ['status', 'store', 'state'],
  ),
  Health: object(
    {
      status: { type: 'string', enum: ['ok', 'degraded'] },
      // The audit trail's own health: a refused or dropped row is shown here without failing the instance.
      audit: object({
        status: { type: 'string', enum: ['ok', 'degraded'] },
        pending: { type: 'integer', minimum: 0 },
        rejectedRows: { type: 'integer', minimum: 0 },
        dropped: { type: 'integer', minimum: 0 },
      }),
    },
    ['status'],
  ),
  Jwks: object({
    keys: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          kty: string,
          kid: string,
          alg: { type: 'string', enum: ['EdDSA', 'RS256'] },
          use: string,
        },
        required: ['kty', 'kid', 'alg', 'use'],
      },
    },
  }),
  AuthorizationServerMetadata: object({
    issuer: string,
    token_endpoint: string,
    jwks_uri: string,
    grant_types_supported: { type: 'array', items: string },
    token_endpoint_auth_methods_supported: { type: 'array', items: string },
    token_endpoint_auth_signing_alg_values_supported: { type: 'array', items: string },
    scopes_supported: { type: 'array', items: string },
    response_types_supported: { type: 'array', items: string },
  }),
  NotFound: object({ error: { const: 'not_found' }, message: string }),
  OpenApiDocument: { type: 'object', required: ['openapi', 'info', 'paths'] },
};

const credentialSummary = {
  type: 'object',
  properties: {
    id: string,
    partnerId: string,
    mechanism,
    publicId: string,
    status: { type: 'string', enum: ['active', 'revoked'] },
    createdAt: isoDate,
    revokedAt: isoDate,
    liveSecrets: integer,
    kids: { type: 'array', items: string },
    lastUsedAt: isoDate,
  },
  required: ['id', 'partnerId', 'mechanism', 'publicId', 'status', 'createdAt', 'liveSecrets'],
  additionalProperties: false,
} as const;

const createdBase = { id: string, partnerId: string };

/** The created (or rotated) credential of each mechanism, with `extra` properties. */
function credentialVariants(extra: Record<string, Schema>, extraRequired: string[]): Schema[] {
  const variant = (mechanismName: string, fields: Record<string, Schema>, optional: string[] = []) =>
    object({ mechanism: { const: mechanismName }, ...createdBase, ...fields, ...extra }, [
      'mechanism',
      ...Object.keys(createdBase),
      ...Object.keys(fields).filter((name) => !optional.includes(name)),
      ...extraRequired,
    ]);
  return [
    variant('hmac', { accessKey: string, secretKey: string, version: { const: '1' } }),
    variant('app-token', { applicationId: string, secretKey: string }),
    variant(
      'private-key-jwt',
      {
        clientId: string,
        apiKey: { type: 'string', description: '`(unchanged)` after a rotation' },
        kid: string,
        privateKeyPem: {
          type: 'string',
          description: 'Only when no cert was given: the new private key (PKCS#8).',
        },
        certificatePem: { type: 'string', description: 'Only when no cert was given: its certificate.' },
      },
      ['privateKeyPem', 'certificatePem'],
    ),
    variant('api-key', { apiKey: string, apiSecret: string }),
  ];
}

/** The admin API's schemas (components.schemas). */
export const adminSchemas: Record<string, Schema> = {
  AdminError: object({
    error: { type: 'string', enum: ['invalid_request', 'unauthorized', 'forbidden', 'not_found'] },
    message: string,
  }),
  CredentialSummary: credentialSummary,
  CredentialList: object({
    credentials: { type: 'array', items: { $ref: '#/components/schemas/CredentialSummary' } },
  }),
  CreateCredentialRequest: {
    type: 'object',
    properties: {
      mechanism,
      partner: { type: 'string', minLength: 1, maxLength: 64 },
      cert: {
        type: 'string',
        description:
          'private-key-jwt: the partner certificate, PEM text; without it a key pair is made and returned once',
      },
    },
    required: ['mechanism'],
  },
  CreatedCredential: {
    description: 'The `payauth credentials create --json` object plus `mechanism`: secrets shown this once.',
    oneOf: credentialVariants({}, []),
  },
  RotateCredentialRequest: {
    type: 'object',
    properties: {
      overlapSeconds: { type: 'integer', minimum: 0, maximum: 31_536_000, default: 86_400 },
      cert: { type: 'string', description: 'private-key-jwt: the new certificate, PEM text (required)' },
    },
  },
  RotatedCredential: {
    description: 'The new secret (or certificate id), shown this once, and the old one’s overlap.',
    oneOf: credentialVariants({ overlapSeconds: integer }, ['overlapSeconds']),
  },
  ...scenarioSchemas(),
  SigningKeys: {
    type: 'object',
    properties: {
      kid: { type: 'string', description: 'rotate only: the new signing key' },
      keys: {
        type: 'array',
        items: object(
          {
            kid: string,
            alg: { type: 'string', enum: ['EdDSA', 'RS256'] },
            createdAt: isoDate,
            retiredAt: isoDate,
          },
          ['kid', 'createdAt'],
        ),
      },
    },
    required: ['keys'],
    additionalProperties: false,
  },
  AuditEvents: object({
    events: {
      type: 'array',
      items: object(
        {
          sequence: integer,
          at: isoDate,
          mechanism: { type: 'string', enum: [...mechanism.enum, 'bearer', 'admin'] },
          publicId: string,
          credentialId: string,
          outcome: { type: 'string', enum: ['success', 'failure'] },
          reason: string,
          address: string,
          requestId: string,
          count: integer,
        },
        ['sequence', 'at', 'mechanism', 'outcome', 'reason', 'address', 'requestId', 'count'],
      ),
    },
  }),
  AuditStats: object({
    minutes: {
      type: 'array',
      items: object({ minute: isoDate, mechanism: string, accepted: integer, rejected: integer }),
    },
  }),
  DiagnoseRequest: {
    type: 'object',
    properties: {
      kind: {
        type: 'string',
        enum: ['hmac-header', 'assertion', 'token-request', 'app-token-body', 'token'],
      },
      value: { type: 'string', minLength: 1, maxLength: 16_384 },
      secretKey: { type: 'string', maxLength: 1024 },
      lang: { type: 'string', enum: ['en', 'fr'], default: 'en' },
    },
    required: ['kind', 'value'],
  },
  Diagnosis: object({
    kind: string,
    valid: { type: 'boolean' },
    serverSecretUsed: { type: 'boolean' },
    findings: {
      type: 'array',
      items: object({
        code: string,
        severity: { type: 'string', enum: ['error', 'warning', 'info'] },
        message: string,
        details: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
      }),
    },
  }),
  RejectionMessage: {
    description: 'One `data:` line of the event stream.',
    ...object(
      {
        at: isoDate,
        mechanism: string,
        code: string,
        reason: string,
        hint: string,
        diagnosis: object({ en: string, fr: string }),
        publicId: string,
        credentialId: string,
        requestId: string,
        method: string,
        path: string,
        headerNames: { type: 'array', items: string },
      },
      ['at', 'mechanism', 'code', 'reason', 'diagnosis', 'requestId', 'method', 'path', 'headerNames'],
    ),
  },
};

/** The scenario routes' schemas (sandbox only; docs/admin.md, "Scenarios"). */
function scenarioSchemas(): Record<string, Schema> {
  const scenario = { type: 'string', enum: [...scenarioNames] } as const;
  const params = { type: 'object', additionalProperties: { type: 'integer' } } as const;
  const armed = object(
    {
      id: { type: 'string', pattern: '^scn_[A-Za-z0-9]{16}$' },
      scenario,
      credentialId: string,
      publicId: string,
      params,
      times: { type: 'integer', minimum: 1, maximum: 1000 },
      remaining: { type: 'integer', minimum: 0 },
      createdAt: isoDate,
    },
    ['id', 'scenario', 'params', 'times', 'remaining', 'createdAt'],
  );
  const parameter = object({ minimum: integer, maximum: integer, default: integer, unit: string });
  return {
    ArmedScenario: armed,
    ScenarioList: object({
      scenarios: { type: 'array', items: { $ref: '#/components/schemas/ArmedScenario' } },
      available: {
        type: 'array',
        items: object({
          name: scenario,
          points: {
            type: 'array',
            items: { type: 'string', enum: ['token', 'hmac-guard', 'bearer-guard', 'jwks'] },
          },
          parameters: { type: 'object', additionalProperties: parameter },
        }),
      },
    }),
    ArmScenarioRequest: object(
      {
        scenario,
        credential: {
          type: 'string',
          minLength: 1,
          maxLength: 256,
          description: 'a credential id or public id',
        },
        times: { type: 'integer', minimum: 1, maximum: 1000, default: 1 },
        params,
      },
      ['scenario'],
    ),
  };
}
