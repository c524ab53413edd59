import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Mechanism, mechanisms } from '@payauth/core';
import {
  type CreatedCredential,
  CredentialService,
  generateIdentity,
  randomText,
  toCredentialShape,
} from '@payauth/server';
import type { Command } from 'commander';
import { openSharedState, openStore } from '../open-store.ts';
import { EXIT, type Io, printJson, UsageError } from '../output.ts';

function parseMechanism(value: string): Mechanism {
  if (!(mechanisms as readonly string[]).includes(value)) {
    throw new UsageError(`mechanism must be one of ${mechanisms.join(', ')}`);
  }
  return value as Mechanism;
}

function printCreated(
  io: Io,
  created: CreatedCredential,
  extra: Record<string, string>,
  json: boolean | undefined,
): void {
  const shape = { ...toCredentialShape(created), ...extra };
  if (json) printJson(io, shape);
  else {
    io.stdout(`created ${created.mechanism} credential ${created.id} for partner ${created.partnerId}`);
    for (const [name, value] of Object.entries(shape))
      if (name !== 'id' && name !== 'partnerId') io.stdout(`  ${name}: ${value}`);
    io.stdout('  (secrets are shown this once; the store keeps only ciphertexts and hashes)');
  }
}

interface StoreOption {
  store: string;
  json?: boolean;
  redis?: string;
  redisPrefix?: string;
}

/** With --redis, tells every running instance at once (they would also see it at their next poll). */
async function announce(options: StoreOption, credentialId: string): Promise<void> {
  if (options.redis === undefined) return;
  const state = await openSharedState(options.redis, options.redisPrefix);
  try {
    await state.publishChange(credentialId);
  } finally {
    await state.close();
  }
}

/** `payauth credentials create|list|rotate|revoke`. */
export function registerCredentials(program: Command, io: Io): void {
  const credentials = program.command('credentials').description('manage partner credentials in a store');
  credentials
    .command('create <mechanism>')
    .description('create a credential: hmac, app-token, private-key-jwt or api-key (secrets printed once)')
    .requiredOption('--store <store>', 'SQLite file path or postgres://…')
    .option('--redis <url>', 'also notify running instances through Redis at once')
    .option('--redis-prefix <prefix>', 'key prefix in Redis', 'payauth:')
    .option('--partner <id>', 'the owning partner (created if new)', 'default')
    .option(
      '--cert <file>',
      'private-key-jwt: the partner certificate (PEM); without it a key, certificate and .pfx are generated',
    )
    .option('--public-id <id>', 'choose the access key / application id / client id / api key')
    .option('--strict', 'app-token: strict mode for this application')
    .option('--single-use', 'hmac: accept each header once')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      '\nExamples:\n  $ payauth credentials create hmac --store ./payauth.db --partner acme --json\n  $ payauth credentials create private-key-jwt --store ./payauth.db --cert partner-cert.pem --json',
    )
    .action(
      async (
        mechanismText: string,
        options: StoreOption & {
          partner: string;
          cert?: string;
          publicId?: string;
          strict?: boolean;
          singleUse?: boolean;
        },
      ) => {
        const mechanism = parseMechanism(mechanismText);
        const opened = await openStore(options.store);
        try {
          const service = new CredentialService({ store: opened.store, envelope: opened.envelope });
          const extra: Record<string, string> = {};
          let certificatePem: string | undefined;
          if (mechanism === 'private-key-jwt') {
            if (options.cert !== undefined) {
              try {
                certificatePem = readFileSync(options.cert, 'utf8');
              } catch {
                throw new UsageError(`cannot read --cert ${options.cert}`);
              }
            } else {
              const password = randomText(24);
              const identity = generateIdentity({
                commonName: options.publicId ?? options.partner,
                password,
              });
              const folder = join(opened.directory, `payauth-identity-${randomText(8).toLowerCase()}`);
              mkdirSync(folder, { recursive: true, mode: 0o700 });
              writeFileSync(join(folder, 'key.pem'), identity.keyPem, { mode: 0o600 });
              writeFileSync(join(folder, 'cert.pem'), identity.certificatePem);
              writeFileSync(join(folder, 'client.pfx'), identity.pkcs12, { mode: 0o600 });
              certificatePem = identity.certificatePem;
              Object.assign(extra, {
                keyPath: join(folder, 'key.pem'),
                certificatePath: join(folder, 'cert.pem'),
                pfxPath: join(folder, 'client.pfx'),
                pfxPassword: password,
              });
            }
          }
          const created = await service.create(mechanism, {
            partnerId: options.partner,
            ...(options.publicId === undefined ? {} : { publicId: options.publicId }),
            ...(certificatePem === undefined ? {} : { certificatePem }),
            options: {
              ...(options.strict ? { strict: true } : {}),
              ...(options.singleUse ? { singleUse: true } : {}),
            },
          });
          printCreated(io, created, extra, options.json);
        } finally {
          await opened.store.close();
        }
      },
    );
  credentials
    .command('list')
    .description('list credentials (public ids only)')
    .requiredOption('--store <store>', 'SQLite file path or postgres://…')
    .option('--redis <url>', 'also notify running instances through Redis at once')
    .option('--redis-prefix <prefix>', 'key prefix in Redis', 'payauth:')
    .option('--partner <id>', 'only this partner')
    .option('--mechanism <mechanism>', 'only this mechanism')
    .option('--json', 'print a JSON array')
    .action(async (options: StoreOption & { partner?: string; mechanism?: string }) => {
      const opened = await openStore(options.store, { mustExist: true });
      try {
        const list = await new CredentialService({ store: opened.store, envelope: opened.envelope }).list({
          ...(options.partner === undefined ? {} : { partnerId: options.partner }),
          ...(options.mechanism === undefined ? {} : { mechanism: parseMechanism(options.mechanism) }),
        });
        if (options.json) printJson(io, list);
        else
          for (const c of list)
            io.stdout(
              `${c.id}  ${c.mechanism.padEnd(15)} ${c.status.padEnd(7)} ${c.partnerId}  ${c.publicId}`,
            );
      } finally {
        await opened.store.close();
      }
    });
  credentials
    .command('rotate <credential>')
    .description('new secret (or certificate) now; the old one stays valid for --overlap seconds')
    .requiredOption('--store <store>', 'SQLite file path or postgres://…')
    .option('--redis <url>', 'also notify running instances through Redis at once')
    .option('--redis-prefix <prefix>', 'key prefix in Redis', 'payauth:')
    .option('--overlap <seconds>', 'how long the old secret keeps working', '86400')
    .option('--cert <file>', 'private-key-jwt: the new certificate (PEM)')
    .option('--json', 'print one JSON object')
    .action(async (id: string, options: StoreOption & { overlap: string; cert?: string }) => {
      if (!/^\d{1,9}$/.test(options.overlap)) throw new UsageError('--overlap must be seconds');
      const opened = await openStore(options.store, { mustExist: true });
      try {
        const rotated = await new CredentialService({
          store: opened.store,
          envelope: opened.envelope,
        }).rotate(id, {
          overlapSeconds: Number(options.overlap),
          ...(options.cert === undefined ? {} : { certificatePem: readFileSync(options.cert, 'utf8') }),
        });
        if (!rotated) {
          io.stderr(`no credential ${id}`);
          process.exitCode = EXIT.rejected;
          return;
        }
        printCreated(io, rotated, { overlapSeconds: options.overlap }, options.json);
        await announce(options, rotated.id);
      } finally {
        await opened.store.close();
      }
    });
  credentials
    .command('revoke <credential>')
    .description('revoke a credential; running servers refuse it within their poll interval (500 ms)')
    .requiredOption('--store <store>', 'SQLite file path or postgres://…')
    .option('--redis <url>', 'also notify running instances through Redis at once')
    .option('--redis-prefix <prefix>', 'key prefix in Redis', 'payauth:')
    .option('--json', 'print one JSON object')
    .action(async (id: string, options: StoreOption) => {
      const opened = await openStore(options.store, { mustExist: true });
      try {
        const revoked = await new CredentialService({
          store: opened.store,
          envelope: opened.envelope,
        }).revoke(id);
        if (!revoked) {
          io.stderr(`no credential ${id}`);
          process.exitCode = EXIT.rejected;
          return;
        }
        const shape = {
          id: revoked.id,
          mechanism: revoked.mechanism,
          publicId: revoked.publicId,
          status: revoked.status,
          revokedAt: new Date(revoked.revokedAt ?? Date.now()).toISOString(),
        };
        if (options.json) printJson(io, shape);
        else io.stdout(`revoked ${revoked.mechanism} credential ${revoked.id} (${revoked.publicId})`);
        await announce(options, revoked.id);
      } finally {
        await opened.store.close();
      }
    });
}
