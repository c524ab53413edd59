import { type Command, Option } from 'commander';
import { followRejections } from '../follow.ts';
import { openStore } from '../open-store.ts';
import { type Io, printJson, UsageError } from '../output.ts';

function parseSince(value: string | undefined): number {
  if (value === undefined) return 0;
  if (/^\d+$/.test(value)) return Number(value);
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return Date.now() - Number(relative[1]) * unit;
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError('--since takes ms, an ISO date, or a duration like 10m');
  return time;
}

interface AuditOptions {
  store?: string;
  since?: string;
  limit: string;
  json?: boolean;
  follow?: boolean;
  url?: string;
  adminToken?: string;
  lang: 'en' | 'fr';
}

/** `payauth audit`: read the audit trail, or follow a running server's rejections. */
export function registerAudit(program: Command, io: Io): void {
  program
    .command('audit')
    .description('print authentication attempts from the audit trail (never a secret)')
    .option('--store <store>', 'SQLite file path or postgres://… (to read the trail)')
    .option('--since <when>', 'ms since the epoch, ISO date, or a duration such as 10m, 2h')
    .option('--limit <n>', 'at most this many, newest kept', '1000')
    .option('--json', 'print a JSON array (with --follow: one JSON object per line)')
    .option(
      '--follow',
      "print a running server's rejections as they happen (its admin API: --url, --admin-token)",
    )
    .option('--url <url>', 'with --follow: the server, e.g. http://127.0.0.1:8080')
    .addOption(
      new Option('--admin-token <token>', "with --follow: the server's admin token").env(
        'PAYAUTH_ADMIN_TOKEN',
      ),
    )
    .addOption(
      new Option('--lang <language>', 'with --follow: language of the advice')
        .choices(['en', 'fr'])
        .default('en'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ payauth audit --store ./payauth.db --since 10m\n  $ payauth audit --follow --url http://127.0.0.1:8080 --admin-token "$PAYAUTH_ADMIN_TOKEN" --lang fr',
    )
    .action(async (options: AuditOptions) => {
      if (options.follow) {
        if (options.url === undefined || options.adminToken === undefined || options.adminToken === '')
          throw new UsageError('--follow needs --url and --admin-token (or PAYAUTH_ADMIN_TOKEN)');
        process.exitCode = await followRejections({
          url: options.url,
          token: options.adminToken,
          language: options.lang,
          json: Boolean(options.json),
          io,
        });
        return;
      }
      if (options.store === undefined) throw new UsageError('--store is required (or --follow with --url)');
      const opened = await openStore(options.store, { mustExist: true });
      try {
        const events = await opened.store.listAudit({
          since: parseSince(options.since),
          limit: Number(options.limit) || 1000,
        });
        if (options.json) printJson(io, events);
        else {
          for (const e of events) {
            io.stdout(
              `${new Date(e.at).toISOString()} ${e.outcome.padEnd(7)} ${`×${e.count ?? 1}`.padEnd(6)} ${e.mechanism.padEnd(15)} ${e.reason.padEnd(32)} ${e.publicId ?? '-'} ${e.address} ${e.requestId}`,
            );
          }
        }
      } finally {
        await opened.store.close();
      }
    });
}
