import { buildAppTokenRequest, formatHmacHeader } from '@payauth/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Io, printJson, UsageError } from '../output.ts';

/** Fondy's example date format, in UTC: `YYYY-MM-DD HH:mm:ss`. */
export function formatFondyDate(time: number): string {
  return new Date(time).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * A warning for a `--timestamp` that is not 13 digits: milliseconds since the epoch have had 13 digits since 2001 and
 * will until 2286. Ten digits are seconds (the document's FAQ); other lengths are neither. Undefined when it looks right.
 */
export function describeTimestampDigits(timestamp: string): string | undefined {
  const digits = timestamp.replace(/^0+(?=\d)/, '').length;
  if (digits === 13) return undefined;
  const kind =
    digits === 10
      ? 'seconds, not milliseconds: the server will refuse it as stale'
      : 'neither seconds (10) nor milliseconds (13): the server will refuse it';
  return `--timestamp ${timestamp} has ${digits} digits: ${kind}`;
}

/** `payauth sign hmac|app-token`. */
export function registerSign(program: Command, io: Io): void {
  const sign = program.command('sign').description('sign a request the way a provider expects');
  sign
    .command('hmac')
    .description('print the API-money Authorization header value: AUTH accessKey:timestampMs:version:sign')
    .addOption(
      new Option('--access-key <key>', 'api_access_key').env('PAYAUTH_ACCESS_KEY').makeOptionMandatory(),
    )
    .addOption(
      new Option('--secret-key <secret>', 'api_secret_key').env('PAYAUTH_SECRET_KEY').makeOptionMandatory(),
    )
    .option('--timestamp <ms>', 'milliseconds since the epoch (default: now)')
    .addOption(
      new Option('--version <version>', 'signature version (1, the only one API-money defines)')
        .default('1')
        .argParser((value: string) => {
          if (value !== '1')
            throw new InvalidArgumentError('only version 1 exists (API-money defines no other)');
          return value;
        }),
    )
    .option('--json', 'print {header, accessKey, timestamp, version}')
    .addHelpText(
      'after',
      `\nExample:\n  $ payauth sign hmac --access-key 'k1rXpphkRG!2-Fox' --secret-key "$SECRET" --timestamp 1672650133163\n  AUTH k1rXpphkRG!2-Fox:1672650133163:1:fdc93dee9a203b2a544e7bcc5f34918e89c547c2ee5503071482a9fbfb3e4e8e`,
    )
    .action(
      (options: {
        accessKey: string;
        secretKey: string;
        timestamp?: string;
        version: string;
        json?: boolean;
      }) => {
        const timestamp = options.timestamp === undefined ? Date.now() : Number(options.timestamp);
        if (options.timestamp !== undefined && !/^\d{1,16}$/.test(options.timestamp)) {
          throw new UsageError('--timestamp must be milliseconds since the epoch (digits only)');
        }
        if (options.timestamp !== undefined) {
          const warning = describeTimestampDigits(options.timestamp);
          if (warning) io.stderr(`payauth: warning: ${warning}`);
        }
        const header = formatHmacHeader({
          accessKey: options.accessKey,
          secretKey: options.secretKey,
          timestamp,
          version: options.version,
        });
        if (options.json)
          printJson(io, { header, accessKey: options.accessKey, timestamp, version: options.version });
        else io.stdout(header);
      },
    );
  sign
    .command('app-token')
    .description('print the Fondy token request body {application_id, date, signature}')
    .addOption(
      new Option('--application-id <id>', 'application_id (at most 20 characters)')
        .env('PAYAUTH_APPLICATION_ID')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--secret-key <secret>', 'the application secret')
        .env('PAYAUTH_SECRET_KEY')
        .makeOptionMandatory(),
    )
    .option('--date <date>', 'any string up to 1024 characters (default: now, as YYYY-MM-DD HH:mm:ss UTC)')
    .option('--json', 'same output (the body is JSON already)')
    .addHelpText(
      'after',
      `\nExample:\n  $ payauth sign app-token --application-id 1234 --secret-key "$SECRET" --date '2020-04-06 11:15:27'`,
    )
    .action((options: { applicationId: string; secretKey: string; date?: string }) => {
      const date = options.date ?? formatFondyDate(Date.now());
      printJson(
        io,
        buildAppTokenRequest({ applicationId: options.applicationId, secretKey: options.secretKey, date }),
      );
    });
}
