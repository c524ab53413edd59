// @ts-check
// "Try it": a curl and a @payauth/client snippet per mechanism, filled with a credential's public id and the
// server's URL. Secrets go through environment variables (the server cannot show them after creation); right
// after a creation the caller passes them and the `export` lines carry the real values. Paths and preset names come
// from core's mechanism table (`mechanisms.js`).

import { mechanismTable } from './mechanisms.js';

/** @import { CreatedCredential } from './api.js' */
/** @import { Mechanism } from './mechanisms.js' */

/**
 * A value in single quotes for a POSIX shell: `it's` → `'it'\''s'`.
 * @param {unknown} value
 */
export function shellQuote(value) {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

/**
 * A value as a JavaScript string literal.
 * @param {unknown} value
 */
function js(value) {
  return JSON.stringify(String(value));
}

/**
 * JSON string content (no quotes) for a value placed inside a JSON document.
 * @param {unknown} value
 */
function jsonText(value) {
  return JSON.stringify(String(value)).slice(1, -1);
}

/** @param {ReadonlyArray<readonly [string, string]>} variables */
function exports(variables) {
  return variables.map(([name, value]) => `export ${name}=${shellQuote(value)}`).join('\n');
}

const TOKEN_FROM = (/** @type {string} */ field) => `sed -E 's/.*"${field}":"([^"]+)".*/\\1/'`;

/**
 * The function of a mechanism's preset: @payauth/client exports each under its name in camel case (`api-money` →
 * `apiMoney`).
 * @param {Mechanism} mechanism
 */
function presetFunction(mechanism) {
  return mechanismTable[mechanism].preset.replace(/-(\w)/g, (_, /** @type {string} */ letter) =>
    letter.toUpperCase(),
  );
}

/**
 * The import line of a client snippet: `createClient` and the mechanism's preset, in alphabetical order.
 * @param {Mechanism} mechanism
 */
function importClient(mechanism) {
  return `import { ${[presetFunction(mechanism), 'createClient'].sort().join(', ')} } from '@payauth/client';`;
}

/**
 * The snippets for one credential: `{ env, curl, client }` as text (empty for a mechanism the table does not know).
 * @param {{ mechanism: string, publicId: string }} credential
 * @param {string} base the server's URL without a trailing slash
 * @param {CreatedCredential} [secrets] the create/rotate answer when known (else placeholders)
 * @returns {{ env: string, curl: string, client: string }}
 */
export function buildSnippets(credential, base, secrets) {
  const id = credential.publicId;
  const mechanism = /** @type {Mechanism} */ (credential.mechanism);
  if (!Object.hasOwn(mechanismTable, mechanism)) return { env: '', curl: '', client: '' };
  const { tokenPath = '', resourcePaths } = mechanismTable[mechanism];
  const resource = resourcePaths[0] ?? '';
  const preset = presetFunction(mechanism);
  switch (mechanism) {
    case 'hmac':
      return {
        env: exports([
          ['PAYAUTH_SECRET_KEY', secrets?.secretKey ?? 'paste-the-secret-key-shown-at-creation'],
        ]),
        curl: [
          `curl -s ${shellQuote(`${base}${resource}`)} \\`,
          `  -H "Authorization: $(npx payauth sign hmac --access-key ${shellQuote(id)} --secret-key "$PAYAUTH_SECRET_KEY")"`,
        ].join('\n'),
        client: [
          importClient(mechanism),
          '',
          'const client = createClient(',
          `  ${preset}({ baseUrl: ${js(base)}, accessKey: ${js(id)}, secretKey: process.env.PAYAUTH_SECRET_KEY }),`,
          ');',
          `console.log(await client.json('${resource}'));`,
        ].join('\n'),
      };
    case 'app-token':
      return {
        env: exports([
          ['PAYAUTH_SECRET_KEY', secrets?.secretKey ?? 'paste-the-secret-key-shown-at-creation'],
        ]),
        curl: [
          `npx payauth sign app-token --application-id ${shellQuote(id)} --secret-key "$PAYAUTH_SECRET_KEY" \\`,
          `  | curl -s ${shellQuote(`${base}${tokenPath}`)} -H 'Content-Type: application/json' -d @-`,
        ].join('\n'),
        client: [
          importClient(mechanism),
          '',
          'const client = createClient(',
          `  ${preset}({ baseUrl: ${js(base)}, applicationId: ${js(id)}, secretKey: process.env.PAYAUTH_SECRET_KEY }),`,
          ');',
          '// The strategy asks the token endpoint for a token, caches it and renews it before it expires.',
          'const { token } = await client.auth.authorize();',
          `console.log(token ? '${mechanismTable[mechanism].provider} token received' : 'no token');`,
          'client.close();',
        ].join('\n'),
      };
    case 'private-key-jwt':
      return {
        env: exports([
          ['PAYAUTH_API_KEY', secrets?.apiKey ?? 'paste-the-api-key-shown-at-creation'],
          ['PAYAUTH_PFX', './client.pfx'],
          ['PAYAUTH_PFX_PASSWORD', 'the-password-of-your-pfx'],
        ]),
        curl: [
          `TOKEN=$(curl -s ${shellQuote(`${base}${tokenPath}`)} \\`,
          '  --data-urlencode grant_type=client_credentials \\',
          '  --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \\',
          `  --data-urlencode "client_assertion=$(npx payauth assertion --client-id ${shellQuote(id)} --pfx "$PAYAUTH_PFX" --password "$PAYAUTH_PFX_PASSWORD" --aud ${shellQuote(`${base}${tokenPath}`)})" \\`,
          `  --data-urlencode scope=API | ${TOKEN_FROM('access_token')})`,
          `curl -s ${shellQuote(`${base}${resource}`)} -H "Authorization: Bearer $TOKEN" -H "apikey: $PAYAUTH_API_KEY"`,
        ].join('\n'),
        client: [
          "import { readFileSync } from 'node:fs';",
          importClient(mechanism),
          '',
          'const client = createClient(',
          `  ${preset}({`,
          `    baseUrl: ${js(base)},`,
          `    clientId: ${js(id)},`,
          '    apiKey: process.env.PAYAUTH_API_KEY,',
          '    pfx: readFileSync(process.env.PAYAUTH_PFX),',
          '    password: process.env.PAYAUTH_PFX_PASSWORD,',
          '  }),',
          ');',
          `console.log(await client.json('${resource}'));`,
        ].join('\n'),
      };
    case 'api-key':
      return {
        env: exports([
          ['PAYAUTH_API_SECRET', secrets?.apiSecret ?? 'paste-the-api-secret-shown-at-creation'],
        ]),
        curl: [
          `TOKEN=$(curl -s -X POST ${shellQuote(`${base}${tokenPath}`)} -H 'Content-Type: application/json' \\`,
          `  -d ${shellQuote(`{"apiKey":"${jsonText(id)}","apiSecret":"`)}"$PAYAUTH_API_SECRET"'"}' | ${TOKEN_FROM('accessToken')})`,
          `curl -s ${shellQuote(`${base}${resource}?currency=USD`)} -H "Authorization: Bearer $TOKEN"`,
        ].join('\n'),
        client: [
          importClient(mechanism),
          '',
          'const client = createClient(',
          `  ${preset}({ baseUrl: ${js(base)}, apiKey: ${js(id)}, apiSecret: process.env.PAYAUTH_API_SECRET }),`,
          ');',
          `console.log(await client.json('${resource}?currency=USD'));`,
        ].join('\n'),
      };
    default:
      return { env: '', curl: '', client: '' };
  }
}
