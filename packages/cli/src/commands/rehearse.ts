import { createClient } from '@payauth/client';
import { formatRehearsal, rehearse, SCENARIOS, type ScenarioName } from '@payauth/client/rehearsal';
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

/**
 * `payauth rehearse`: runs a preset's client against every scenario a payauth sandbox plays (docs/rehearsal.md) and
 * prints what it did; exits 1 when a scenario failed, so a pipeline can run it.
 */
export function registerRehearse(program: Command, io: Io): void {
  addAuthOptions(
    program
      .command('rehearse')
      .description(
        "run a preset's client against every failure the sandbox plays (Payauth-Scenario) and print what it did",
      )
      .option('--preset <provider>', `preset (or mechanism): ${AUTH_NAMES.join(', ')}`)
      .option('--scenario <name>', `only this scenario (repeatable): ${SCENARIOS.join(', ')}`, collect)
      .option('--path <path>', "the protected resource to GET (default: the preset's documented one)")
      .option('--timeout <ms>', "the client's per-request timeout during the rehearsal", '1000')
      .option('--json', 'print the report as one JSON object'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ payauth rehearse --preset wakapay --base-url http://127.0.0.1:8080 --api-key your_api_key --api-secret "$SECRET"\n  $ payauth rehearse --preset api-money --base-url http://127.0.0.1:8080 --access-key \'k1rXpphkRG!2-Fox\' --secret-key "$SECRET" --scenario clock-skew',
    )
    .action(
      async (
        options: AuthOptions & {
          preset?: string;
          scenario?: string[];
          path?: string;
          timeout: string;
          json?: boolean;
        },
      ) => {
        for (const name of options.scenario ?? []) {
          if (!(SCENARIOS as readonly string[]).includes(name))
            throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')}`);
        }
        const timeoutMs = Number(options.timeout);
        if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 50 || timeoutMs > 10_000)
          throw new UsageError('--timeout is a whole number of ms from 50 to 10000');
        const clientOptions = buildClientOptions(options.preset, options);
        // Checked now, so a bad option is a usage error rather than nine failed scenarios.
        createClient(clientOptions).close();
        const report = await rehearse({
          client: { ...clientOptions, fetch: createDescriptiveFetch(options) },
          ...(options.scenario ? { scenarios: options.scenario as ScenarioName[] } : {}),
          ...(options.path ? { path: options.path } : {}),
          timeoutMs,
          ...(options.preset && AUTH_NAMES.includes(options.preset) ? { label: options.preset } : {}),
        });
        if (options.json) {
          printJson(io, {
            label: report.label,
            mechanism: report.mechanism,
            passed: report.passed,
            results: report.results.map(({ scenario, result, did, problem }) => ({
              scenario,
              result,
              did,
              ...(problem === undefined ? {} : { problem }),
            })),
          });
        } else io.stdout(formatRehearsal(report));
        process.exitCode = report.passed ? EXIT.ok : EXIT.rejected;
      },
    );
}
