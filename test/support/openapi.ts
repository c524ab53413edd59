import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createOpenApiDocument } from '../../packages/server/src/openapi/document.ts';

/** One difference between a response and the OpenAPI document. */
export interface DriftFinding {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly problem: string;
}

// biome-ignore lint/suspicious/noExplicitAny: walking an untyped JSON document
type Json = Record<string, any>;
type HeaderBag = Headers | Readonly<Record<string, string | string[] | number | undefined>>;

const documents = new Map<
  string,
  { document: Json; ajv: Ajv2020; validators: Map<string, ValidateFunction> }
>();

function load(document: Json | undefined) {
  const key = document === undefined ? 'full' : JSON.stringify(document);
  let loaded = documents.get(key);
  if (!loaded) {
    const doc = document ?? createOpenApiDocument({ admin: true, metrics: true });
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
    ajv.addSchema(doc, 'openapi.json');
    loaded = { document: doc, ajv, validators: new Map() };
    documents.set(key, loaded);
  }
  return loaded;
}

const escapePointer = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/** Finds the document's path template for a concrete path (`/admin/api/credentials/cred_1/revoke`). */
function matchPath(document: Json, path: string): string | undefined {
  if (document.paths[path]) return path;
  for (const template of Object.keys(document.paths)) {
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
    );
    if (pattern.test(path)) return template;
  }
  return undefined;
}

function headerOf(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name.toLowerCase() && value !== undefined) {
      return Array.isArray(value) ? value.join(', ') : String(value);
    }
  }
  return undefined;
}

/**
 * Checks one response against the OpenAPI document (by default the full one: providers, platform, metrics, admin):
 * the route and method are documented, the status is documented for it, the required headers are present and
 * match their schemas, the content type is a documented one, and a JSON body matches its schema. Returns the
 * findings; an empty array means no drift. An undocumented path answering the documented 404 body is not drift.
 *
 * @example
 * ```ts
 * expect(checkResponseAgainstOpenApi('GET', '/health', 200, response.headers, await response.text())).toEqual([])
 * ```
 */
export function checkResponseAgainstOpenApi(
  method: string,
  path: string,
  status: number,
  headers: HeaderBag,
  body: string,
  document?: Json,
): DriftFinding[] {
  const { document: doc, ajv, validators } = load(document);
  const findings: DriftFinding[] = [];
  const at = { method: method.toUpperCase(), path, status };
  const report = (problem: string) => findings.push({ ...at, problem });
  const validate = (pointer: string, value: unknown, what: string) => {
    let validator = validators.get(pointer);
    if (!validator) {
      validator = ajv.getSchema(`openapi.json#${pointer}`);
      if (!validator) return report(`no schema at ${pointer}`);
      validators.set(pointer, validator);
    }
    if (!validator(value)) {
      report(`${what}: ${ajv.errorsText(validator.errors, { dataVar: what })}`);
    }
  };

  const template = matchPath(doc, path.split('?')[0]!);
  const operation = template === undefined ? undefined : doc.paths[template]?.[method.toLowerCase()];
  if (!operation) {
    if (status === 404) {
      const type = headerOf(headers, 'content-type') ?? '';
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      if (!type.startsWith('application/json')) report('404 without a JSON body');
      else validate('/components/schemas/NotFound', parsed, 'body');
      return findings;
    }
    report(template === undefined ? 'undocumented path' : `undocumented method for ${template}`);
    return findings;
  }
  const statusKey = String(status);
  const response = operation.responses[statusKey] ?? operation.responses.default;
  if (!response) {
    report(`status ${status} not documented for ${method.toUpperCase()} ${template}`);
    return findings;
  }
  const base = `/paths/${escapePointer(template!)}/${method.toLowerCase()}/responses/${operation.responses[statusKey] ? statusKey : 'default'}`;
  for (const [name, header] of Object.entries((response.headers ?? {}) as Json)) {
    const value = headerOf(headers, name);
    if (value === undefined) {
      if (header.required) report(`missing header ${name}`);
      continue;
    }
    if (header.schema) validate(`${base}/headers/${escapePointer(name)}/schema`, value, `header ${name}`);
  }
  const content = (response.content ?? {}) as Json;
  const types = Object.keys(content);
  if (types.length === 0) {
    if (body !== '') report('a body where the document has none');
    return findings;
  }
  const sent = (headerOf(headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const mediaType = types.find((type) => type === sent);
  if (!mediaType) {
    report(`content-type ${sent || '(none)'} not among ${types.join(', ')}`);
    return findings;
  }
  if (mediaType === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      report('body is not JSON');
      return findings;
    }
    validate(`${base}/content/${escapePointer(mediaType)}/schema`, parsed, 'body');
  }
  return findings;
}
