import { readFileSync } from 'node:fs';
import { type Diagnosis, diagnoseAssertion, diagnoseHmacHeader, type Language } from '@payauth/core';
import { type Command, Option } from 'commander';
import { EXIT, type Io, printJson, UsageError } from '../output.ts';

function parseLanguage(value: string): Language {
  if (value !== 'en' && value !== 'fr') throw new UsageError('--lang must be en or fr');
  return value;
}

function parseNow(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value)) throw new UsageError('--now must be milliseconds since the epoch');
  return Number(value);
}

/** The severity word of a text line, in the language of the messages (the JSON keeps the stable `severity`). */
const SEVERITY_WORDS: Record<Language, Record<Diagnosis['findings'][number]['severity'], string>> = {
  en: { error: 'error', warning: 'warning', info: 'info' },
  fr: { error: 'erreur', warning: 'avertissement', info: 'info' },
};

function report(io: Io, diagnosis: Diagnosis, json: boolean | undefined, language: Language): void {
  if (json) printJson(io, diagnosis);
  else {
    const words = SEVERITY_WORDS[language];
    const width = Math.max(...Object.values(words).map((word) => word.length));
    for (const finding of diagnosis.findings)
      io.stdout(`${words[finding.severity].padEnd(width)} ${finding.code}: ${finding.message}`);
  }
  process.exitCode = diagnosis.valid ? EXIT.ok : EXIT.rejected;
}

/** `payauth doctor hmac|private-key-jwt`: the documents' FAQ, answered by a program. */
export function registerDoctor(program: Command, io: Io): void {
  const doctor = program
    .command('doctor')
    .description('name the cause of a rejection ("I get error 1002, what should I do?")');
  doctor
    .command('hmac')
    .description('diagnose an API-money Authorization header')
    .requiredOption('--header <value>', "the header value, e.g. 'AUTH key:1672650133163:1:…'")
    .addOption(new Option('--access-key <key>', 'the access key you expect').env('PAYAUTH_ACCESS_KEY'))
    .addOption(
      new Option('--secret-key <secret>', 'the secret, to check the signature').env('PAYAUTH_SECRET_KEY'),
    )
    .option('--now <ms>', 'the server time in ms (default: now)')
    .option('--lang <language>', 'en or fr', 'en')
    .option('--json', 'print the diagnosis as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ payauth doctor hmac --header 'AUTH k1rXpphkRG!2-Fox:1672650133:1:fdc9…' --lang fr`,
    )
    .action(
      (options: {
        header: string;
        accessKey?: string;
        secretKey?: string;
        now?: string;
        lang: string;
        json?: boolean;
      }) => {
        const now = parseNow(options.now);
        const diagnosis = diagnoseHmacHeader({
          header: options.header,
          ...(options.accessKey === undefined ? {} : { accessKey: options.accessKey }),
          ...(options.secretKey === undefined ? {} : { secretKey: options.secretKey }),
          ...(now === undefined ? {} : { now }),
          language: parseLanguage(options.lang),
        });
        report(io, diagnosis, options.json, parseLanguage(options.lang));
      },
    );
  doctor
    .command('private-key-jwt')
    .description('diagnose an eMoney client assertion')
    .requiredOption('--assertion <jwt>', 'the client_assertion')
    .option('--cert <file>', 'the registered certificate (PEM), to check kid and signature')
    .option('--client-id <id>', 'the client_id the server assigned')
    .option('--aud <url...>', 'the token endpoint URL (and the issuer URL) the server accepts')
    .option('--now <ms>', 'the server time in ms (default: now)')
    .option('--lang <language>', 'en or fr', 'en')
    .option('--json', 'print the diagnosis as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ payauth doctor private-key-jwt --assertion "$JWT" --cert cert.pem --aud https://signin.emaplan.com/connect/token',
    )
    .action(
      (options: {
        assertion: string;
        cert?: string;
        clientId?: string;
        aud?: string[];
        now?: string;
        lang: string;
        json?: boolean;
      }) => {
        const now = parseNow(options.now);
        let certificate: string | undefined;
        if (options.cert !== undefined) {
          try {
            certificate = readFileSync(options.cert, 'utf8');
          } catch {
            throw new UsageError(`cannot read --cert ${options.cert}`);
          }
        }
        const diagnosis = diagnoseAssertion({
          assertion: options.assertion,
          ...(certificate === undefined ? {} : { certificate }),
          ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
          ...(options.aud === undefined ? {} : { audiences: options.aud }),
          ...(now === undefined ? {} : { now }),
          language: parseLanguage(options.lang),
        });
        report(io, diagnosis, options.json, parseLanguage(options.lang));
      },
    );
}
