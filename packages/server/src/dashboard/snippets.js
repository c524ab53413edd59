// "Try it": a curl and a @payauth/client snippet per mechanism, filled with a credential's public id and the
// server's URL. Secrets go through environment variables (the server cannot show them after creation); right
// after a creation the caller passes them and the `export` lines carry the real values.

/** A value in single quotes for a POSIX shell: `it's` → `'it'\''s'`. */
export function shellQuote(value) {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

/** A value as a JavaScript string literal. */
function js(value) {
  return JSON.stringify(String(value));
}

/** JSON string content (no quotes) for a value placed inside a JSON document. */
function jsonText(value) {
  return JSON.stringify(String(value)).slice(1, -1);
}

function exports(variables) {
  return variables.map(([name, value]) => `export ${name}=${shellQuote(value)}`).join('\n');
}

const TOKEN_FROM = (field) => `sed -E 's/.*"${field}":"([^"]+)".*/\\1/'`;

/**
 * The snippets for one credential.
 * `credential`: `{mechanism, publicId}`; `base`: the server's URL without a trailing slash;
 * `secrets`: the create/rotate answer when known (else placeholders).
 * Returns `{ env, curl, client }` as text.
 */
export function buildSnippets(credential, base, secrets) {
  const id = credential.publicId;
  switch (credential.mechanism) {
    case 'hmac':
      return {
        env: exports([
          ['PAYAUTH_SECRET_KEY', secrets?.secretKey ?? 'paste-the-secret-key-shown-at-creation'],
        ]),
        curl: [
          `curl -s ${shellQuote(`${base}/api/accounts`)} \\`,
          `  -H "Authorization: $(npx payauth sign hmac --access-key ${shellQuote(id)} --secret-key "$PAYAUTH_SECRET_KEY")"`,
        ].join('\n'),
        client: [
          "import { apiMoney, createClient } from '@payauth/client';",
          '',
          'const client = createClient(',
          `  apiMoney({ baseUrl: ${js(base)}, accessKey: ${js(id)}, secretKey: process.env.PAYAUTH_SECRET_KEY }),`,
          ');',
          "console.log(await client.json('/api/accounts'));",
        ].join('\n'),
      };
    case 'app-token':
      return {
        env: exports([
          ['PAYAUTH_SECRET_KEY', secrets?.secretKey ?? 'paste-the-secret-key-shown-at-creation'],
        ]),
        curl: [
          `npx payauth sign app-token --application-id ${shellQuote(id)} --secret-key "$PAYAUTH_SECRET_KEY" \\`,
          `  | curl -s ${shellQuote(`${base}/authorizer/token/application/get`)} -H 'Content-Type: application/json' -d @-`,
        ].join('\n'),
        client: [
          "import { createClient, fondy } from '@payauth/client';",
          '',
          'const client = createClient(',
          `  fondy({ baseUrl: ${js(base)}, applicationId: ${js(id)}, secretKey: process.env.PAYAUTH_SECRET_KEY }),`,
          ');',
          '// The strategy asks the token endpoint for a token, caches it and renews it before it expires.',
          'const { token } = await client.auth.authorize();',
          "console.log(token ? 'Fondy token received' : 'no token');",
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
          `TOKEN=$(curl -s ${shellQuote(`${base}/connect/token`)} \\`,
          '  --data-urlencode grant_type=client_credentials \\',
          '  --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \\',
          `  --data-urlencode "client_assertion=$(npx payauth assertion --client-id ${shellQuote(id)} --pfx "$PAYAUTH_PFX" --password "$PAYAUTH_PFX_PASSWORD" --aud ${shellQuote(`${base}/connect/token`)})" \\`,
          `  --data-urlencode scope=API | ${TOKEN_FROM('access_token')})`,
          `curl -s ${shellQuote(`${base}/public/v1/users`)} -H "Authorization: Bearer $TOKEN" -H "apikey: $PAYAUTH_API_KEY"`,
        ].join('\n'),
        client: [
          "import { readFileSync } from 'node:fs';",
          "import { createClient, emoney } from '@payauth/client';",
          '',
          'const client = createClient(',
          '  emoney({',
          `    baseUrl: ${js(base)},`,
          `    clientId: ${js(id)},`,
          '    apiKey: process.env.PAYAUTH_API_KEY,',
          '    pfx: readFileSync(process.env.PAYAUTH_PFX),',
          '    password: process.env.PAYAUTH_PFX_PASSWORD,',
          '  }),',
          ');',
          "console.log(await client.json('/public/v1/users'));",
        ].join('\n'),
      };
    case 'api-key':
      return {
        env: exports([
          ['PAYAUTH_API_SECRET', secrets?.apiSecret ?? 'paste-the-api-secret-shown-at-creation'],
        ]),
        curl: [
          `TOKEN=$(curl -s -X POST ${shellQuote(`${base}/business/auth`)} -H 'Content-Type: application/json' \\`,
          `  -d ${shellQuote(`{"apiKey":"${jsonText(id)}","apiSecret":"`)}"$PAYAUTH_API_SECRET"'"}' | ${TOKEN_FROM('accessToken')})`,
          `curl -s ${shellQuote(`${base}/business/balance?currency=USD`)} -H "Authorization: Bearer $TOKEN"`,
        ].join('\n'),
        client: [
          "import { createClient, wakapay } from '@payauth/client';",
          '',
          'const client = createClient(',
          `  wakapay({ baseUrl: ${js(base)}, apiKey: ${js(id)}, apiSecret: process.env.PAYAUTH_API_SECRET }),`,
          ');',
          "console.log(await client.json('/business/balance?currency=USD'));",
        ].join('\n'),
      };
    default:
      return { env: '', curl: '', client: '' };
  }
}
