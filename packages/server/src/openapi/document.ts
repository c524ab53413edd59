import { type Mechanism, type MechanismFacts, mechanismTable } from '@payauth/core';
import { adminSchemas, providerSchemas } from './schemas.ts';

type Json = Record<string, unknown>;

/** Options of {@link createOpenApiDocument}. */
export interface OpenApiOptions {
  /** The server's public base URL (`servers[0].url`). */
  readonly issuer?: string;
  /** Document the admin API (default true). */
  readonly admin?: boolean;
  /** Document `GET /metrics` (default true). */
  readonly metrics?: boolean;
  /** Document the sandbox's protected resources and `/health` (default true). */
  readonly sandbox?: boolean;
  /** Document the scenario routes of the admin API (default false: only a sandbox with scenarios serves them). */
  readonly scenarios?: boolean;
}

/** The routes only the sandbox serves (`createPayauth({ sandbox })`, `payauth serve`). */
const SANDBOX_PATHS: ReadonlySet<string> = new Set([
  ...Object.values(mechanismTable).flatMap((facts) => facts.resourcePaths),
  '/health',
  '/health/live',
  '/health/ready',
]);

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const JSON_TYPE = 'application/json';

const hintHeader = {
  'Payauth-Hint': {
    description: 'Sandbox only (`--demo`, `--hints`): the rejection code and its cause in one line.',
    schema: { type: 'string' },
  },
};
const retryAfter = {
  'Retry-After': {
    required: true,
    description: 'Seconds to wait.',
    schema: { type: 'string', pattern: '^\\d+$' },
  },
};
const wwwAuthenticateBearer = {
  'WWW-Authenticate': {
    required: true,
    description: 'RFC 6750: `Bearer error="invalid_token", error_description="…"`.',
    schema: { type: 'string', pattern: '^Bearer ' },
  },
};

/** A platform route with one GET answered 200 with a JSON schema. */
function platformGet(summary: string, description: string, schema: string) {
  return { get: { tags: ['platform'], summary, responses: { '200': json(description, schema) } } };
}

function json(description: string, schema: string, headers: Json = {}): Json {
  return { description, headers, content: { [JSON_TYPE]: { schema: ref(schema) } } };
}

/** The error answers of one provider surface: its documented body for each status, 429 and 503 with Retry-After. */
function surfaceErrors(schema: string, statuses: Record<string, string>, extraHeaders: Json = {}): Json {
  const out: Json = {};
  for (const [status, description] of Object.entries(statuses)) {
    out[status] = json(description, schema, { ...hintHeader, ...(status === '401' ? extraHeaders : {}) });
  }
  out['429'] = json('Over the failure budget (ERR_RATE_LIMITED).', schema, { ...hintHeader, ...retryAfter });
  out['503'] = json('Store or shared state unreachable (ERR_SERVICE_UNAVAILABLE).', schema, {
    ...hintHeader,
    ...retryAfter,
  });
  return out;
}

/**
 * What each mechanism's operations say beyond the mechanism table: the table gives the paths, the tag (the mechanism)
 * and the provider's name that starts each summary.
 */
function mechanismOperations(): Record<
  Mechanism,
  { readonly token?: Json; readonly resources: readonly Json[] }
> {
  const accounts = {
    summary: 'the partner accounts (document 000)',
    description:
      'Authorization: `AUTH accessKey:timestampMs:1:sign` (hmac), or `Bearer <token>` from the app-token endpoint.',
    security: [{ hmac: [] }, { bearer: [] }],
    responses: {
      '200': json('The partner accounts.', 'Accounts'),
      ...surfaceErrors('HmacError', { '401': 'Every authentication failure: `{"code":"1002",…}`.' }),
    },
  };
  return {
    hmac: { resources: [accounts, { ...accounts, summary: 'the partner accounts (path of document 001)' }] },
    'app-token': {
      token: {
        summary: 'application token (document 002)',
        requestBody: { required: true, content: { [JSON_TYPE]: { schema: ref('AppTokenRequest') } } },
        responses: {
          '200': json('The token.', 'AppTokenResponse'),
          ...surfaceErrors('AppTokenError', {
            '403': '`Incorrect signature` (wrong signature or unknown application), or a parameter problem.',
          }),
        },
      },
      resources: [],
    },
    'private-key-jwt': {
      token: {
        summary: 'OAuth 2 client_credentials with an RFC 7523 client assertion (document 003)',
        requestBody: {
          required: true,
          content: { 'application/x-www-form-urlencoded': { schema: ref('TokenRequest') } },
        },
        responses: {
          '200': json('The access token.', 'TokenResponse', {
            'Cache-Control': { schema: { const: 'no-store' } },
          }),
          ...surfaceErrors('OAuthError', {
            '400':
              'RFC 6749 §5.2: invalid_request, unsupported_grant_type, invalid_scope, unauthorized_client.',
            '401': 'invalid_client: every assertion failure.',
          }),
        },
      },
      resources: [
        {
          summary: 'users (Bearer token and apikey header)',
          security: [{ bearer: [], apikey: [] }],
          responses: {
            '200': json('The partner users.', 'Users'),
            ...surfaceErrors(
              'OAuthError',
              { '401': 'RFC 6750 invalid_token: bad or missing token or apikey.' },
              wwwAuthenticateBearer,
            ),
          },
        },
      ],
    },
    'api-key': {
      token: {
        summary: 'key and secret exchanged for a JWT (document 004)',
        requestBody: { required: true, content: { [JSON_TYPE]: { schema: ref('ApiKeyAuthRequest') } } },
        responses: {
          '200': json('The access token.', 'ApiKeyAuthResponse'),
          ...surfaceErrors('ApiKeyError', {
            '400': '`apiKey and apiSecret required` or `invalid payload`.',
            '401': '`invalid credentials`.',
          }),
        },
      },
      resources: [
        {
          summary: 'balance in one currency',
          security: [{ bearer: [] }],
          parameters: [
            {
              name: 'currency',
              in: 'query',
              required: true,
              schema: { type: 'string', pattern: '^[A-Z]{3}$' },
            },
          ],
          responses: {
            '200': json('The balance.', 'Balance'),
            ...surfaceErrors('ApiKeyError', {
              '400': 'currency missing or not ISO 4217.',
              '401': '`invalid token`.',
            }),
          },
        },
      ],
    },
  };
}

/** An operation of a mechanism: tagged with its name, its summary led by the provider's (the mechanism table's). */
function tagged(facts: MechanismFacts, operation: Json): Json {
  return {
    tags: [facts.mechanism],
    ...operation,
    summary: `${facts.provider}: ${String(operation.summary)}`,
  };
}

function providerPaths(): Json {
  const operations = mechanismOperations();
  const paths: Json = {};
  for (const facts of Object.values(mechanismTable)) {
    const { token, resources } = operations[facts.mechanism];
    if (facts.tokenPath !== undefined && token !== undefined)
      paths[facts.tokenPath] = { post: tagged(facts, token) };
    facts.resourcePaths.forEach((path, index) => {
      paths[path] = { get: tagged(facts, resources[index]!) };
    });
  }
  return {
    ...paths,
    '/health': {
      get: {
        tags: ['platform'],
        summary: 'Liveness and store reachability',
        responses: {
          '200': json('Serving.', 'Health'),
          '503': json('The store did not answer its last poll.', 'Health'),
        },
      },
    },
    '/health/live': {
      get: {
        tags: ['platform'],
        summary: 'Liveness probe: the process serves',
        responses: { '200': json('Serving (no dependency is asked).', 'Liveness') },
      },
    },
    '/health/ready': {
      get: {
        tags: ['platform'],
        summary: 'Readiness probe: the store and the shared state answer',
        responses: {
          '200': json('Both answered within 2 s.', 'Readiness'),
          '503': json('One of them did not (with `Retry-After`).', 'Readiness'),
        },
      },
    },
    '/.well-known/jwks.json': platformGet(
      'Public keys of the access tokens',
      'Every key that may still verify a live token.',
      'Jwks',
    ),
    '/.well-known/oauth-authorization-server': platformGet(
      'RFC 8414 metadata',
      'The metadata.',
      'AuthorizationServerMetadata',
    ),
    '/.well-known/openid-configuration': platformGet(
      'The same metadata, where OpenID clients look',
      'The metadata.',
      'AuthorizationServerMetadata',
    ),
    '/openapi.json': platformGet('This document', 'OpenAPI 3.1.', 'OpenApiDocument'),
  };
}

function metricsPaths(): Json {
  return {
    '/metrics': {
      get: {
        tags: ['platform'],
        summary: 'Prometheus metrics (off unless enabled)',
        responses: {
          '200': {
            description: 'The Prometheus text format.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
  };
}

function adminErrors(statuses: string[]): Json {
  const descriptions: Record<string, string> = {
    '413': 'invalid_request: a body larger than 64 KiB.',
    '400': 'invalid_request: a parameter or body is wrong.',
    '401': 'unauthorized: no admin token, or a wrong one.',
    '403': 'forbidden: not from loopback (admin.allowRemote), or from another origin.',
    '404': 'not_found: no such credential.',
  };
  const out: Json = {};
  for (const status of statuses) {
    out[status] = json(
      descriptions[status]!,
      'AdminError',
      status === '401'
        ? { 'WWW-Authenticate': { required: true, schema: { const: 'Bearer realm="payauth-admin"' } } }
        : {},
    );
  }
  return out;
}

function adminOperation(
  summary: string,
  success: Json,
  options: { body?: string; notFound?: boolean; readsBody?: boolean; noBadRequest?: boolean } = {},
): Json {
  return {
    tags: ['admin'],
    summary,
    security: [{ admin: [] }],
    ...(options.body
      ? { requestBody: { required: true, content: { [JSON_TYPE]: { schema: ref(options.body) } } } }
      : {}),
    responses: {
      ...success,
      ...adminErrors([
        ...(options.noBadRequest ? [] : ['400']),
        '401',
        '403',
        ...(options.notFound ? ['404'] : []),
        ...(options.body || options.readsBody ? ['413'] : []),
      ]),
    },
  };
}

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const query = (name: string, schema: Json, description?: string): Json => ({
  name,
  in: 'query',
  required: false,
  schema,
  ...(description ? { description } : {}),
});

function adminPaths(): Json {
  return {
    '/admin/api/credentials': {
      get: {
        ...adminOperation('List credentials (public ids, status, last use; never a secret)', {
          '200': json('The credentials.', 'CredentialList'),
        }),
        parameters: [
          query('partner', { type: 'string' }),
          query('mechanism', { type: 'string', enum: ['hmac', 'app-token', 'private-key-jwt', 'api-key'] }),
        ],
      },
      post: adminOperation(
        'Create a credential (its secret is in this answer and nowhere else)',
        { '201': json('Created.', 'CreatedCredential') },
        { body: 'CreateCredentialRequest' },
      ),
    },
    '/admin/api/credentials/{id}/rotate': {
      post: {
        ...adminOperation(
          'Rotate a secret (or certificate); the old one stays live for overlapSeconds',
          { '200': json('The new secret, shown this once.', 'RotatedCredential') },
          { body: 'RotateCredentialRequest', notFound: true },
        ),
        parameters: [idParameter],
      },
    },
    '/admin/api/credentials/{id}/revoke': {
      post: {
        ...adminOperation(
          'Revoke a credential (refused at once by this instance)',
          { '200': json('The revoked credential.', 'CredentialSummary') },
          { notFound: true, readsBody: true, noBadRequest: true },
        ),
        parameters: [idParameter],
      },
    },
    '/admin/api/keys': {
      get: adminOperation(
        'List the token-signing keys (never a private part)',
        { '200': json('The keys.', 'SigningKeys') },
        { noBadRequest: true },
      ),
    },
    '/admin/api/keys/rotate': {
      post: adminOperation(
        'New signing key; the retired one keeps verifying its tokens',
        { '200': json('The keys and the new kid.', 'SigningKeys') },
        { readsBody: true, noBadRequest: true },
      ),
    },
    '/admin/api/audit': {
      get: {
        ...adminOperation('Query the audit trail (oldest first; the newest `limit` kept)', {
          '200': json('The events.', 'AuditEvents'),
        }),
        parameters: [
          query('since', { type: 'string' }, 'ms since the epoch or an ISO date'),
          query('until', { type: 'string' }, 'ms since the epoch or an ISO date'),
          query('mechanism', { type: 'string' }),
          query('credential', { type: 'string' }, 'internal or public id'),
          query('outcome', { type: 'string', enum: ['success', 'failure'] }),
          query('reason', { type: 'string' }, 'a rejection code, OK, or ADMIN_…'),
          query('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
        ],
      },
    },
    '/admin/api/audit/stats': {
      get: {
        ...adminOperation('Accepted and rejected per minute and mechanism', {
          '200': json('Minutes with at least one attempt.', 'AuditStats'),
        }),
        parameters: [query('minutes', { type: 'integer', minimum: 1, maximum: 1440, default: 60 })],
      },
    },
    '/admin/api/diagnose': {
      post: adminOperation(
        "`payauth doctor` with the server's knowledge (its secret is used, never returned)",
        { '200': json('The diagnosis.', 'Diagnosis') },
        { body: 'DiagnoseRequest' },
      ),
    },
    '/admin/api/events': {
      get: adminOperation(
        'Live rejections (Server-Sent Events; see RejectionMessage)',
        {
          '200': {
            description: '`id:` and `data: <RejectionMessage>` per rejection, `: heartbeat` comments.',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
        { noBadRequest: true },
      ),
    },
  };
}

/**
 * The OpenAPI 3.1 document of every route payauth serves: the four providers' documented endpoints with their
 * documented error bodies, health, JWKS and metadata, and — when enabled — metrics and the admin API.
 *
 * @example
 * ```ts
 * const document = createOpenApiDocument({ issuer: 'http://127.0.0.1:8080' })
 * ```
 */
export function createOpenApiDocument(options: OpenApiOptions = {}): Json {
  const admin = options.admin !== false;
  const metrics = options.metrics !== false;
  const provider = Object.fromEntries(
    Object.entries(providerPaths()).filter(([path]) => options.sandbox !== false || !SANDBOX_PATHS.has(path)),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'payauth',
      version: '0.1.0',
      description:
        'Both sides of the wire for hmac (API-money), app-token (Fondy), private-key-jwt (eMoney) and api-key (WakaPay). ' +
        'Error bodies are the providers’ documented ones (docs/errors.md).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    ...(options.issuer ? { servers: [{ url: options.issuer }] } : {}),
    tags: [
      { name: 'hmac' },
      { name: 'app-token' },
      { name: 'private-key-jwt' },
      { name: 'api-key' },
      { name: 'platform' },
      ...(admin
        ? [{ name: 'admin', description: 'Off unless enabled; loopback and admin token (docs/admin.md).' }]
        : []),
    ],
    paths: {
      ...provider,
      ...(metrics ? metricsPaths() : {}),
      ...(admin ? adminPaths() : {}),
      ...(admin && options.scenarios === true ? scenarioPaths() : {}),
    },
    components: {
      schemas: { ...providerSchemas, ...(admin ? adminSchemas : {}) },
      securitySchemes: {
        hmac: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: '`AUTH accessKey:timestampMs:1:hex(HMAC-SHA256(secret, "accessKey:timestampMs:1:"))`',
        },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apikey: { type: 'apiKey', in: 'header', name: 'apikey' },
        ...(admin ? { admin: { type: 'http', scheme: 'bearer', description: 'The admin token.' } } : {}),
      },
    },
  };
}

/** The scenario routes (docs/admin.md, "Scenarios"): served only in a sandbox with scenarios on. */
function scenarioPaths(): Json {
  return {
    '/admin/api/scenarios': {
      get: adminOperation(
        'Scenarios still armed, and every scenario with its parameters (sandbox only)',
        { '200': json('Armed scenarios and the available ones.', 'ScenarioList') },
        { noBadRequest: true },
      ),
      post: adminOperation(
        'Arm a rehearsal scenario for the next matching requests (sandbox only)',
        { '201': json('Armed.', 'ArmedScenario') },
        { body: 'ArmScenarioRequest', notFound: true },
      ),
    },
    '/admin/api/scenarios/{id}': {
      delete: {
        ...adminOperation(
          'Disarm an armed scenario (sandbox only)',
          { '200': json('The scenario, as it was armed.', 'ArmedScenario') },
          { notFound: true, noBadRequest: true },
        ),
        parameters: [idParameter],
      },
    },
  };
}
