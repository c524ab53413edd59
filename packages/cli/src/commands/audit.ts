import type { Command } from 'commander';
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

/** `payauth audit`: read the audit trail. */
export function registerAudit(program: Command, io: Io): void {
  program
    .command('audit')
    .description('print authentication attempts from the audit trail (never a secret)')
    .requiredOption('--store <store>', 'SQLite file path')
    .option('--since <when>', 'ms since the epoch, ISO date, or a duration such as 10m, 2h')
    .option('--limit <n>', 'at most this many, newest kept', '1000')
    .option('--json', 'print a JSON array')
    .addHelpText('after', '\nExample:\n  $ payauth audit --store ./payauth.db --since 10m')
    .action(async (options: { store: string; since?: string; limit: string; json?: boolean }) => {
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
