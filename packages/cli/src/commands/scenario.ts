import type { ArmedScenario } from '@payauth/server';
import { type Command, Option } from 'commander';
import { type Io, printJson, UsageError } from '../output.ts';

interface ServerOptions {
  url?: string;
  adminToken?: string;
  json?: boolean;
}

interface AddOptions extends ServerOptions {
  credential?: string;
  times: string;
  param: string[];
}

/** A failed exchange with the server: printed as one line, exit code 1. */
class ServerRefusal extends Error {
  override name = 'ServerRefusal';
}

/** Sends one admin API request and returns its JSON answer; throws a {@link ServerRefusal} on any other status. */
async function callAdmin(
  options: ServerOptions,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  expected: number,
  body?: unknown,
): Promise<unknown> {
  const base = (options.url ?? '').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(base))
    throw new UsageError('--url must be the server URL, e.g. http://127.0.0.1:8080');
  if (options.adminToken === undefined || options.adminToken === '')
    throw new UsageError('--admin-token (or PAYAUTH_ADMIN_TOKEN) is required');
  let response: Response;
  try {
    response = await fetch(`${base}/admin/api${path}`, {
      method,
      headers: { authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ServerRefusal(`cannot reach ${base}: ${(error as Error).cause ?? (error as Error).message}`);
  }
  const text = await response.text();
  let answer: { message?: string } = {};
  try {
    answer = JSON.parse(text);
  } catch {
    // A server without the admin API (or without scenarios) answers its own 404 body.
  }
  if (response.status === 404 && path.startsWith('/scenarios') && answer.message?.startsWith('no route')) {
    throw new ServerRefusal(
      `${base} plays no scenario: start it with --demo or --scenarios (and an admin token)`,
    );
  }
  if (response.status !== expected) {
    throw new ServerRefusal(
      `${base} refused (${response.status}${answer.message ? `: ${answer.message}` : ''})`,
    );
  }
  return answer;
}

/** `key=value` pairs of `--param` as the API's `params` (values that are whole numbers sent as numbers). */
function parseParams(pairs: readonly string[]): Record<string, number | string> {
  const params: Record<string, number | string> = {};
  for (const pair of pairs) {
    const match = /^([a-z-]+)=(.+)$/i.exec(pair);
    if (!match) throw new UsageError('--param takes key=value, e.g. --param retry-after=5');
    const value = match[2]!;
    params[match[1]!] = /^[+-]?\d{1,9}$/.test(value) ? Number(value) : value;
  }
  return params;
}

/** One armed scenario on one line: id, name, uses left, parameters, credential. */
export function formatArmed(armed: ArmedScenario): string {
  const params = Object.entries(armed.params)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  return [
    armed.id,
    armed.scenario.padEnd(18),
    `${armed.remaining}/${armed.times} left`,
    params === '' ? '-' : params,
    armed.publicId === undefined ? 'any credential' : `credential ${armed.publicId}`,
  ].join('  ');
}

function withServerOptions(command: Command): Command {
  return command
    .option('--url <url>', 'the sandbox, e.g. http://127.0.0.1:8080')
    .addOption(new Option('--admin-token <token>', "the sandbox's admin token").env('PAYAUTH_ADMIN_TOKEN'))
    .option('--json', 'print JSON');
}

/** Runs an action; a refusal by the server is one line on stderr and exit code 1. */
function refusalsToExit(io: Io, action: () => Promise<void>): Promise<void> {
  return action().catch((error: unknown) => {
    if (!(error instanceof ServerRefusal)) throw error;
    io.stderr(`payauth: ${error.message}`);
    process.exitCode = 1;
  });
}

/** `payauth scenario add|list|clear`: arm, list and disarm a sandbox's rehearsal scenarios through its admin API. */
export function registerScenario(program: Command, io: Io): void {
  const scenario = program
    .command('scenario')
    .description("arm, list and disarm a sandbox's rehearsal scenarios (docs/admin.md, Scenarios)");
  withServerOptions(
    scenario
      .command('add')
      .description('arm a scenario for the next matching requests')
      .argument(
        '<name>',
        'token-expired, credential-revoked, rate-limited, unavailable, server-error, slow, clock-skew, malformed-token or key-rotated',
      ),
  )
    .option('--credential <id>', 'only requests of this credential (id or public id)')
    .option('--times <n>', 'how many matching requests it applies to', '1')
    .option(
      '--param <key=value>',
      'a parameter: retry-after=S, ms=MS, seconds=±S (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ payauth scenario add rate-limited --times 2 --param retry-after=3 --url http://127.0.0.1:8080',
    )
    .action((name: string, options: AddOptions) =>
      refusalsToExit(io, async () => {
        if (!/^\d{1,4}$/.test(options.times))
          throw new UsageError('--times must be a whole number from 1 to 1000');
        const armed = (await callAdmin(options, 'POST', '/scenarios', 201, {
          scenario: name,
          times: Number(options.times),
          params: parseParams(options.param),
          ...(options.credential === undefined ? {} : { credential: options.credential }),
        })) as ArmedScenario;
        if (options.json) printJson(io, armed);
        else io.stdout(`armed ${formatArmed(armed)}`);
      }),
    );
  withServerOptions(scenario.command('list').description('list the scenarios still armed')).action(
    (options: ServerOptions) =>
      refusalsToExit(io, async () => {
        const { scenarios } = (await callAdmin(options, 'GET', '/scenarios', 200)) as {
          scenarios: ArmedScenario[];
        };
        if (options.json) printJson(io, scenarios);
        else if (scenarios.length === 0) io.stdout('no scenario armed');
        else for (const armed of scenarios) io.stdout(formatArmed(armed));
      }),
  );
  withServerOptions(
    scenario
      .command('clear')
      .description('disarm one scenario, or every armed one')
      .argument('[id]', 'the scenario to disarm (default: all)'),
  ).action((id: string | undefined, options: ServerOptions) =>
    refusalsToExit(io, async () => {
      const ids =
        id !== undefined
          ? [id]
          : (
              (await callAdmin(options, 'GET', '/scenarios', 200)) as { scenarios: ArmedScenario[] }
            ).scenarios.map((armed) => armed.id);
      const disarmed: ArmedScenario[] = [];
      for (const each of ids) {
        disarmed.push(
          (await callAdmin(
            options,
            'DELETE',
            `/scenarios/${encodeURIComponent(each)}`,
            200,
          )) as ArmedScenario,
        );
      }
      if (options.json) printJson(io, disarmed);
      else if (disarmed.length === 0) io.stdout('no scenario armed');
      else for (const armed of disarmed) io.stdout(`disarmed ${formatArmed(armed)}`);
    }),
  );
}
