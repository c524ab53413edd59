import { createClient } from '@payauth/client';
import type { Command } from 'commander';
import { EXIT, type Io, printJson, UsageError } from '../output.ts';
import {
  AUTH_NAMES,
  type AuthOptions,
  addAuthOptions,
  buildClientOptions,
  collect,
  createDescriptiveFetch,
} from './auth-options.ts';

/** `payauth call`: an authenticated request, like curl. */
export function registerCall(program: Command, io: Io): void {
  addAuthOptions(
    program
      .command('call <method> <url>')
      .description('perform an authenticated request and print the status and body (like curl)')
      .requiredOption('--auth <name>', `preset or mechanism: ${AUTH_NAMES.join(', ')}`)
      .option('-d, --data <body>', 'request body (JSON is sent as application/json)')
      .option('-H, --header <header>', 'extra header "Name: value" (repeatable)', collect)
      .option('-i, --include', 'print the response headers')
      .option('--json', 'print {status, headers, body} as one JSON object'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ payauth call GET /api/accounts --auth api-money --base-url http://127.0.0.1:8080 --access-key \'k1rXpphkRG!2-Fox\' --secret-key "$SECRET"\n  $ payauth call GET "/business/balance?currency=USD" --auth wakapay --base-url http://127.0.0.1:8080 --api-key your_api_key --api-secret "$SECRET" -i',
    )
    .action(
      async (
        method: string,
        url: string,
        options: AuthOptions & {
          auth: string;
          data?: string;
          header?: string[];
          include?: boolean;
          json?: boolean;
        },
      ) => {
        const client = createClient({
          ...buildClientOptions(options.auth, options),
          fetch: createDescriptiveFetch(options),
        });
        const headers = new Headers();
        for (const header of options.header ?? []) {
          const index = header.indexOf(':');
          if (index < 1) throw new UsageError(`-H takes "Name: value", got ${header.slice(0, 40)}`);
          headers.set(header.slice(0, index).trim(), header.slice(index + 1).trim());
        }
        if (options.data !== undefined && !headers.has('content-type')) {
          let json = true;
          try {
            JSON.parse(options.data);
          } catch {
            json = false;
          }
          headers.set('content-type', json ? 'application/json' : 'application/x-www-form-urlencoded');
        }
        const response = await client(url, {
          method: method.toUpperCase(),
          headers,
          ...(options.data === undefined ? {} : { body: options.data }),
        });
        const body = await response.text();
        client.close();
        process.exitCode = response.ok ? EXIT.ok : EXIT.rejected;
        if (options.json) {
          let parsed: unknown = body;
          try {
            parsed = JSON.parse(body);
          } catch {}
          printJson(io, {
            status: response.status,
            headers: Object.fromEntries(response.headers),
            body: parsed,
          });
          return;
        }
        io.stdout(`HTTP ${response.status} ${response.statusText}`);
        if (options.include) for (const [name, value] of response.headers) io.stdout(`${name}: ${value}`);
        if (options.include) io.stdout('');
        if (body) io.stdout(body);
      },
    );
}
