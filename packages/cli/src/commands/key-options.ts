import { readFileSync } from 'node:fs';
import { type KeyMaterial, loadPem, loadPkcs12 } from '@payauth/client/keys';
import { type Command, Option } from 'commander';
import { UsageError } from '../output.ts';

/** The key options shared by `assertion`, `token` and `call`. */
export interface KeyOptions {
  pfx?: string;
  password?: string;
  key?: string;
  cert?: string;
  keyPassphrase?: string;
}

/** Adds `--pfx/--password` and `--key/--cert` to a command. */
export function addKeyOptions(command: Command): Command {
  return command
    .option('--pfx <file>', 'PKCS#12 file with the private key and certificate')
    .addOption(new Option('--password <password>', 'the .pfx password').env('PAYAUTH_PFX_PASSWORD'))
    .option('--key <file>', 'PEM private key (PKCS#8, encrypted or not)')
    .option('--cert <file>', 'PEM certificate')
    .addOption(
      new Option('--key-passphrase <passphrase>', 'passphrase of an encrypted PEM key').env(
        'PAYAUTH_KEY_PASSPHRASE',
      ),
    );
}

function read(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new UsageError(`cannot read ${option} ${file}`);
  }
}

/** Loads the key material the options name. */
export function loadKeyOptions(options: KeyOptions): KeyMaterial {
  if (options.pfx !== undefined) {
    if (options.password === undefined)
      throw new UsageError('--pfx needs --password (or PAYAUTH_PFX_PASSWORD)');
    return loadPkcs12(read(options.pfx, '--pfx'), options.password);
  }
  if (options.key !== undefined) {
    return loadPem({
      key: read(options.key, '--key').toString('utf8'),
      ...(options.cert === undefined ? {} : { certificate: read(options.cert, '--cert').toString('utf8') }),
      ...(options.keyPassphrase === undefined ? {} : { passphrase: options.keyPassphrase }),
    });
  }
  throw new UsageError('give --pfx F --password P, or --key F [--cert F]');
}
