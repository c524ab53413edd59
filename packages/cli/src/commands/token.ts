import { createClient } from '@payauth/client';
import type { Command } from 'commander';
import { type Io, printJson } from '../output.ts';
import {
  AUTH_NAMES,
  type AuthOptions,
  addAuthOptions,
  buildClientOptions,
  createDescriptiveFetch,
} from './auth-options.ts';

/** `payauth token`: obtain a token (for hmac, a signed header) and print it. */
export function registerToken(program: Command, io: Io): void {
  addAuthOptions(
    program
      .command('token [auth]')
      .description(`print a token for a preset or mechanism (${AUTH_NAMES.join(', ')})`)
      .option('--json', "print the token endpoint's whole response"),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ payauth token wakapay --base-url http://127.0.0.1:8080 --api-key your_api_key --api-secret "$SECRET"\n  $ payauth token emoney --base-url http://127.0.0.1:8080 --client-id "$ID" --api-key "$KEY" --pfx client.pfx --password "$PW" --json',
    )
    .action(async (auth: string | undefined, options: AuthOptions & { json?: boolean }) => {
      let lastBody = '';
      const clientOptions = buildClientOptions(auth, options);
      const send = createDescriptiveFetch(options);
      const client = createClient({
        ...clientOptions,
        retry: false,
        fetch: async (input, init) => {
          const response = await send(input, init);
          lastBody = await response.clone().text();
          return response;
        },
      });
      const authorization = await client.auth.authorize();
      const value = authorization.token ?? authorization.headers.authorization ?? '';
      if (options.json) {
        let body: unknown = { authorization: value };
        try {
          if (lastBody) body = JSON.parse(lastBody);
        } catch {}
        printJson(io, body);
      } else io.stdout(value);
      client.close();
    });
}
