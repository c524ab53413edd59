/**
 * @payauth/server — the token endpoints and request guards of `hmac`, `app-token`, `private-key-jwt` and `api-key`,
 * built once by {@link createPayauth} and served by a thin adapter per framework: `@payauth/server/express`,
 * `/hono`, `/fastify`, `/fetch` (and `/standalone`, the server of `payauth serve`). The PostgreSQL store
 * (`/postgres`) and the Redis shared state (`/redis`) load only when configured.
 *
 * @packageDocumentation
 */

// The admin API, the OpenAPI document and the metrics (docs/admin.md).
export { createAdminAccess, isAllowedOrigin, isLoopbackAddress } from './admin/access.ts';
export type { AdminAuditEvent, MinuteStats } from './admin/audit.ts';
export type { AdminChange } from './admin/audit-change.ts';
export type { AdminCredential } from './admin/credentials.ts';
export type { AdminDiagnosis, DiagnoseKind } from './admin/diagnose.ts';
export { type RejectionMessage, toRejectionMessage } from './admin/events.ts';
export type { AdminSigningKey } from './admin/keys.ts';
export { ADMIN_PREFIX, type AdminOptions, createAdminRoutes } from './admin/routes.ts';
// Building payauth and what it is made of.
export { type AuthConfig, type AuthConfigOverrides, resolveConfig } from './config.ts';
export type { AuthContext } from './context.ts';
// Credentials.
export {
  type CreateOptions,
  type CredentialShape,
  type PayauthCredentials,
  readCertificate,
  toCredentialShape,
} from './credentials/facade.ts';
export {
  type CreateCredentialOptions,
  type CreatedCredential,
  CredentialService,
  type CredentialSummary,
  randomText,
} from './credentials/service.ts';
// The browser dashboard (a client of the admin API).
export {
  createDashboardRoutes,
  DASHBOARD_ASSETS,
  DASHBOARD_CSP,
  DASHBOARD_PATH,
} from './dashboard/routes.ts';
export { type GeneratedIdentity, generateIdentity } from './demo/identity.ts';
export { DEMO, DEMO_PARTNER, type DemoCredentials, formatDemo, seedDemo } from './demo/seed.ts';
// The neutral HTTP layer, for an adapter of your own.
export { assertMechanism, createGuards, GUARD_SURFACE, type Guard } from './guards/authenticate.ts';
// The probes of a deployment (docs/deployment.md).
export {
  createHealthRoutes,
  createReadinessCheck,
  PROBE_PATHS,
  type ProbeTargets,
  type Readiness,
} from './health/probes.ts';
export { matchRoute, type RouteMatch, runRoute } from './http/dispatch.ts';
export { renderBodyProblem, renderFailure, renderNotFound } from './http/failure.ts';
export { headersFromRaw, singleHeader } from './http/headers.ts';
export { queryFromSearch } from './http/query.ts';
export { createRequestId } from './http/request-id.ts';
export { jsonResponse } from './http/response.ts';
export { createEndpointRoutes, createSandboxRoutes, PATHS } from './http/routes.ts';
export {
  type AuthRequest,
  BODY_LIMIT,
  type BodyProblem,
  type GuardResult,
  type NeutralResponse,
  type Principal,
  type Route,
} from './http/types.ts';
// Stores, shared state, secrets, logging.
export { createLogger, REDACTED_PATHS } from './logging.ts';
export type { MetricsOptions, PayauthMetrics } from './metrics/metrics.ts';
export { createOpenApiDocument, type OpenApiOptions } from './openapi/document.ts';
export { createOpenApiRoute } from './openapi/route.ts';
export { createPayauth, type Payauth, type PayauthLogger, type PayauthOptions } from './payauth.ts';
export type { RejectionEvent } from './rejection-events.ts';
export {
  HEADER_LIMIT,
  isScenarioName,
  parseScenarioHeader,
  resolveParameters,
  type ScenarioChoice,
  type ScenarioDefinition,
  type ScenarioName,
  type ScenarioParameter,
  type ScenarioParameters,
  type ScenarioParse,
  type ScenarioPointKind,
  scenarioCatalog,
  scenarioNames,
} from './scenarios/catalog.ts';
export {
  APPLIED_HEADER,
  ARMED_LIMIT,
  type ArmedScenario,
  type ArmInput,
  createScenarioClock,
  renderScenarioError,
  SCENARIO_HEADER,
  type ScenarioClock,
  ScenarioEngine,
  type ScenarioEngineOptions,
  type ScenarioPoint,
} from './scenarios/engine.ts';
export { Envelope, loadMasterKey, MASTER_KEY_VARIABLE, parseMasterKey } from './secrets/envelope.ts';
export { MEMORY_STATE_LIMITS, MemorySharedState } from './state/memory.ts';
export { openConfiguredState, openSharedState, type StateChoice, type StateKind } from './state/open.ts';
export type { BudgetCounter, Reservation, SharedState } from './state/types.ts';
export {
  isConnectionFailure,
  ReplayStoreFullError,
  StoreConflictError,
  StoreUnavailableError,
} from './store/errors.ts';
export { MemoryStore } from './store/memory.ts';
export { isPostgresUrl, type OpenedStore, type OpenStoreOptions, openStore } from './store/open.ts';
export { SqliteStore } from './store/sqlite.ts';
export type {
  Account,
  AuditEvent,
  AuditStore,
  CredentialRecord,
  CredentialStatus,
  CredentialStore,
  Partner,
  PayauthStore,
  SandboxDataStore,
  SecretKind,
  SecretRecord,
  SigningKeyRecord,
  StoredAuditEvent,
} from './store/types.ts';
export { TokenIssuer } from './tokens/issuer.ts';
