import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type AuthStrategy,
  apiKey,
  appToken,
  type ClientOptions,
  hmac,
  presets,
  privateKeyJwt,
} from '@payauth/client';
import { type KidFormat, mechanismOfPreset, mechanisms, type Preset } from '@payauth/core';
import { type Command, Option } from 'commander';
import { UsageError } from '../output.ts';
import { addKeyOptions, type KeyOptions, loadKeyOptions } from './key-options.ts';

/** Every credential option of `token` and `call`; each can also come from an environment variable or a profile. */
export interface AuthOptions extends KeyOptions {
  baseUrl?: string;
  environment?: 'sandbox' | 'production';
  accessKey?: string;
  secretKey?: string;
  version?: string;
  applicationId?: string;
  clientId?: string;
  apiKey?: string;
  apiSecret?: string;
  tokenEndpoint?: string;
  scope?: string;
  kidFormat?: string;
  profile?: string;
  profiles?: string;
}

/** The preset names and the mechanism names `--auth` accepts. */
export const AUTH_NAMES = [...Object.keys(presets), ...mechanisms];

/** Adds the credential options to a command. */
export function addAuthOptions(command: Command): Command {
  return addKeyOptions(
    command
      .addOption(
        new Option('--base-url <url>', 'the provider base URL (presets default to the document URL)').env(
          'PAYAUTH_BASE_URL',
        ),
      )
      .addOption(new Option('--environment <env>', 'preset environment').choices(['sandbox', 'production']))
      .addOption(new Option('--access-key <key>', 'hmac access key').env('PAYAUTH_ACCESS_KEY'))
      .addOption(new Option('--secret-key <secret>', 'hmac / app-token secret').env('PAYAUTH_SECRET_KEY'))
      .addOption(
        new Option('--application-id <id>', 'app-token application_id').env('PAYAUTH_APPLICATION_ID'),
      )
      .addOption(new Option('--client-id <id>', 'private-key-jwt client_id').env('PAYAUTH_CLIENT_ID'))
      .addOption(
        new Option('--api-key <key>', 'api-key apiKey, or the eMoney apikey header').env('PAYAUTH_API_KEY'),
      )
      .addOption(new Option('--api-secret <secret>', 'api-key apiSecret').env('PAYAUTH_API_SECRET'))
      .option('--token-endpoint <url>', 'override the token endpoint (private-key-jwt: also the aud)')
      .option('--scope <scope>', 'private-key-jwt scope', 'API')
      .option('--kid-format <format>', 'private-key-jwt kid: x5t, hex or x5t#S256', 'x5t')
      .option('--profile <name>', 'read options from a profile')
      .addOption(new Option('--profiles <file>', 'profiles file (JSON)').env('PAYAUTH_PROFILES')),
  );
}

/**
 * The `fetch` of `token` and `call`: a request that never got an answer (DNS, refused connection, TLS) fails with one
 * line naming the URL and the cause, and, when no `--base-url` was given, that the preset's own URL was used.
 * Undici's bare "fetch failed" said none of that.
 */
export function createDescriptiveFetch(options: AuthOptions, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    try {
      return await inner(input, init);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      const raw = input instanceof Request ? input.url : String(input);
      let shown = raw;
      try {
        const url = new URL(raw);
        shown = `${url.origin}${url.pathname}`;
      } catch {}
      const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
      const reason =
        typeof cause?.code === 'string'
          ? cause.code
          : typeof cause?.message === 'string'
            ? cause.message
            : error.message;
      const hint = options.baseUrl
        ? ''
        : "; no --base-url (or PAYAUTH_BASE_URL) was given, so this is the preset's own URL: add --base-url http://127.0.0.1:8080 for the sandbox";
      throw new Error(`cannot reach ${shown} (${reason.slice(0, 120)})${hint}`, { cause: error });
    }
  };
}

function need(value: string | undefined, flag: string, variable: string): string {
  if (value === undefined || value === '')
    throw new UsageError(`${flag} is required (or ${variable}, or a --profile)`);
  return value;
}

/** Applies a profile: `{ "<name>": { "auth": "wakapay", "baseUrl": "…", "apiKey": "…", … } }`; flags win. */
function withProfile(options: AuthOptions, auth: string | undefined): { options: AuthOptions; auth: string } {
  if (options.profile === undefined) return { options, auth: need(auth, '--auth', 'a profile') };
  const file = options.profiles ?? join(homedir(), '.config', 'payauth', 'profiles.json');
  if (!existsSync(file)) throw new UsageError(`no profiles file ${file}`);
  let profiles: Record<string, Record<string, string>>;
  try {
    profiles = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
  const profile = profiles[options.profile];
  if (!profile) throw new UsageError(`no profile ${options.profile} in ${file}`);
  const merged = { ...profile } as AuthOptions & { auth?: string };
  for (const [name, value] of Object.entries(options))
    if (value !== undefined) (merged as Record<string, unknown>)[name] = value;
  return { options: merged, auth: need(auth ?? merged.auth, '--auth', 'the profile\'s "auth"') };
}

/** Builds the client options for a preset or mechanism name. */
export function buildClientOptions(authName: string | undefined, raw: AuthOptions): ClientOptions {
  const { options, auth } = withProfile(raw, authName);
  if (!AUTH_NAMES.includes(auth)) throw new UsageError(`--auth must be one of ${AUTH_NAMES.join(', ')}`);
  const preset = {
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    ...(options.environment ? { environment: options.environment } : {}),
  };
  const kidFormat = options.kidFormat as KidFormat;
  const pkj = () => {
    const material = loadKeyOptions(options);
    return {
      clientId: need(options.clientId, '--client-id', 'PAYAUTH_CLIENT_ID'),
      apiKey: need(options.apiKey, '--api-key', 'PAYAUTH_API_KEY'),
      key: material.privateKey,
      ...(material.certificate ? { certificate: material.certificate } : {}),
      kidFormat,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.tokenEndpoint ? { tokenEndpoint: options.tokenEndpoint } : {}),
    };
  };
  const hmacOptions = () => ({
    accessKey: need(options.accessKey, '--access-key', 'PAYAUTH_ACCESS_KEY'),
    secretKey: need(options.secretKey, '--secret-key', 'PAYAUTH_SECRET_KEY'),
  });
  const appTokenOptions = () => ({
    applicationId: need(options.applicationId, '--application-id', 'PAYAUTH_APPLICATION_ID'),
    secretKey: need(options.secretKey, '--secret-key', 'PAYAUTH_SECRET_KEY'),
    ...(options.tokenEndpoint ? { tokenEndpoint: options.tokenEndpoint } : {}),
  });
  const apiKeyOptions = () => ({
    apiKey: need(options.apiKey, '--api-key', 'PAYAUTH_API_KEY'),
    apiSecret: need(options.apiSecret, '--api-secret', 'PAYAUTH_API_SECRET'),
    ...(options.tokenEndpoint ? { tokenEndpoint: options.tokenEndpoint } : {}),
  });
  // A preset's credential options are its mechanism's (the mechanism table maps one to the other).
  const optionsOf = {
    hmac: hmacOptions,
    'app-token': appTokenOptions,
    'private-key-jwt': pkj,
    'api-key': apiKeyOptions,
  } as const;
  if (Object.hasOwn(presets, auth)) {
    const name = auth as Preset;
    const build = presets[name] as (options: object) => ClientOptions;
    return build({ ...optionsOf[mechanismOfPreset(name)](), ...preset });
  }
  const baseUrl = need(options.baseUrl, '--base-url', 'PAYAUTH_BASE_URL');
  let strategy: AuthStrategy;
  if (auth === 'hmac') strategy = hmac(hmacOptions());
  else if (auth === 'app-token') strategy = appToken(appTokenOptions());
  else if (auth === 'private-key-jwt') strategy = privateKeyJwt(pkj());
  else strategy = apiKey(apiKeyOptions());
  return { baseUrl, auth: strategy };
}

/** Commander's reducer for a repeatable option (`-H a -H b` → `['a', 'b']`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
