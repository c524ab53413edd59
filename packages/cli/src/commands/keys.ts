import { TokenIssuer } from '@payauth/server';
import { type Command, Option } from 'commander';
import { openStore } from '../open-store.ts';
import { type Io, printJson } from '../output.ts';

/** `payauth keys rotate|list`: the server's token-signing keys. */
export function registerKeys(program: Command, io: Io): void {
  const keys = program.command('keys').description("the server's token-signing keys (published in the JWKS)");
  keys
    .command('rotate')
    .description(
      'create a new signing key; the old one keeps verifying the tokens it signed. Servers switch within 10 s',
    )
    .requiredOption('--store <store>', 'SQLite file path or postgres://…')
    .addOption(
      new Option('--token-alg <alg>', 'algorithm of the new key')
        .choices(['EdDSA', 'RS256'])
        .default('EdDSA'),
    )
    .option('--json', 'print {kid, algorithm}')
    .action(async (options: { store: string; tokenAlg: 'EdDSA' | 'RS256'; json?: boolean }) => {
      const opened = await openStore(options.store, { mustExist: true });
      try {
        const issuer = await TokenIssuer.open({
          store: opened.store,
          envelope: opened.envelope,
          issuer: 'unused',
          algorithm: options.tokenAlg,
        });
        const kid = await issuer.rotate();
        if (options.json) printJson(io, { kid, algorithm: options.tokenAlg });
        else
          io.stdout(
            `new ${options.tokenAlg} signing key ${kid}; the previous one is retired (it still verifies its tokens)`,
          );
      } finally {
        await opened.store.close();
      }
    });
  keys
    .command('list')
    .description('list the signing keys (ids and dates only)')
    .requiredOption('--store <store>', 'SQLite file path or postgres://…')
    .option('--json', 'print a JSON array')
    .action(async (options: { store: string; json?: boolean }) => {
      const opened = await openStore(options.store, { mustExist: true });
      try {
        const list = (await opened.store.listSigningKeys()).map((k) => ({
          kid: k.kid,
          createdAt: new Date(k.createdAt).toISOString(),
          ...(k.retiredAt === undefined ? {} : { retiredAt: new Date(k.retiredAt).toISOString() }),
        }));
        if (options.json) printJson(io, list);
        else
          for (const k of list)
            io.stdout(
              `${k.kid}  created ${k.createdAt}${k.retiredAt ? `  retired ${k.retiredAt}` : '  (signing)'}`,
            );
      } finally {
        await opened.store.close();
      }
    });
}
