import { readFileSync } from 'node:fs';
import {
  type AssertionAlgorithm,
  computeThumbprints,
  createClientAssertion,
  type KidFormat,
} from '@payauth/core';
import type { Command } from 'commander';
import { type Io, printJson, UsageError } from '../output.ts';
import { addKeyOptions, type KeyOptions, loadKeyOptions } from './key-options.ts';

const KID_FORMATS = ['x5t', 'hex', 'x5t#S256'];

/** `payauth assertion`: print an eMoney client assertion, and `payauth thumbprints`: every fingerprint form. */
export function registerAssertion(program: Command, io: Io): void {
  addKeyOptions(
    program
      .command('assertion')
      .description('print a private-key-jwt client assertion (RFC 7523) signed with your .pfx or PEM key')
      .requiredOption('--client-id <id>', 'the client_id eMoney assigned')
      .requiredOption('--aud <url>', 'the token endpoint URL'),
  )
    .option('--kid-format <format>', 'x5t (default, as in the document), hex (.NET) or x5t#S256', 'x5t')
    .option('--alg <alg>', 'RS256, PS256 or ES256', 'RS256')
    .option('--lifetime <seconds>', 'exp - iat, at most 86400', '300')
    .option('--no-jti', "omit jti (as the document's C# example)")
    .option('--json', 'print {assertion, kid, thumbprints}')
    .addHelpText(
      'after',
      '\nExample:\n  $ payauth assertion --client-id "$CLIENT_ID" --pfx client.pfx --password "$PFX_PASSWORD" --aud http://127.0.0.1:8080/connect/token',
    )
    .action(
      (
        options: KeyOptions & {
          clientId: string;
          aud: string;
          kidFormat: string;
          alg: string;
          lifetime: string;
          jti: boolean;
          json?: boolean;
        },
      ) => {
        if (!KID_FORMATS.includes(options.kidFormat))
          throw new UsageError(`--kid-format must be one of ${KID_FORMATS.join(', ')}`);
        if (!/^\d{1,6}$/.test(options.lifetime))
          throw new UsageError('--lifetime must be a number of seconds');
        const material = loadKeyOptions(options);
        const assertion = createClientAssertion({
          clientId: options.clientId,
          privateKey: material.privateKey,
          ...(material.certificate ? { certificate: material.certificate } : {}),
          kidFormat: options.kidFormat as KidFormat,
          audience: options.aud,
          algorithm: options.alg as AssertionAlgorithm,
          lifetimeSeconds: Number(options.lifetime),
          jti: options.jti,
        });
        if (options.json)
          printJson(io, {
            assertion,
            ...(material.thumbprints
              ? {
                  kid: material.thumbprints[options.kidFormat as KidFormat],
                  thumbprints: material.thumbprints,
                }
              : {}),
          });
        else io.stdout(assertion);
      },
    );
  addKeyOptions(
    program
      .command('thumbprints')
      .description('print every fingerprint form of a certificate (x5t, hex, x5t#S256)'),
  )
    .option('--json', 'print JSON')
    .action((options: KeyOptions & { json?: boolean }) => {
      const thumbprints =
        options.cert !== undefined && options.key === undefined && options.pfx === undefined
          ? computeThumbprints(readCertificate(options.cert))
          : loadKeyOptions(options).thumbprints;
      if (!thumbprints) throw new UsageError('no certificate: give --cert, --pfx, or --key with --cert');
      if (options.json) printJson(io, thumbprints);
      else for (const [form, value] of Object.entries(thumbprints)) io.stdout(`${form.padEnd(9)} ${value}`);
    });
}

function readCertificate(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read --cert ${file}`);
  }
}
