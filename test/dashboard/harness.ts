import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliProcess, freePort, startPayauth, waitForOutput } from '../support/servers.ts';

/** `payauth serve --demo` running, with the dashboard URL and the admin token it printed. */
export interface DashboardServer {
  /** The server's base URL. */
  readonly url: string;
  /** The dashboard's URL, as printed. */
  readonly dashboard: string;
  readonly adminToken: string;
  /** Where the store and the demo's files (`payauth-demo/`) are. */
  readonly directory: string;
  readonly process: CliProcess;
  close(): Promise<void>;
}

/**
 * Starts the real sandbox, `payauth serve --demo` (admin API and dashboard on, a fresh admin token printed), on a
 * free port with a SQLite store in a temporary folder.
 */
export async function startDashboardServer(): Promise<DashboardServer> {
  const directory = mkdtempSync(join(tmpdir(), 'payauth-dashboard-'));
  const port = await freePort();
  const running = startPayauth(
    [
      'serve',
      '--demo',
      '--port',
      String(port),
      '--store',
      join(directory, 'store.db'),
      '--poll-interval',
      '100',
    ],
    { cwd: directory },
  );
  await waitForOutput(running, (stdout) => /admin token: \S+/.test(stdout));
  const dashboard = /dashboard: (http:\/\/\S+)/.exec(running.stdout)?.[1] ?? '';
  const adminToken = /admin token: (\S+)/.exec(running.stdout)?.[1] ?? '';
  return {
    url: `http://127.0.0.1:${port}`,
    dashboard,
    adminToken,
    directory,
    process: running,
    async close() {
      running.child.kill('SIGTERM');
      await running.exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
