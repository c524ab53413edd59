import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { outsideEnvironment, run } from '../consumer/project.ts';

/**
 * The runtimes and bundlers of the matrix, from the npm registry (the binaries of bun, deno and workerd ship inside
 * platform packages). Pinned, so that a run is repeatable and the cache below is reused.
 */
export const RUNTIME_TOOLS = {
  bun: '1.4.5',
  deno: '2.9.6',
  miniflare: '4.20260730.0',
  wrangler: '4.164.0',
  'edge-runtime': '4.0.1',
  esbuild: '0.28.2',
} as const;

/** The `compatibility_date` every Worker of the matrix runs with (what this workerd supports). */
export const COMPATIBILITY_DATE = '2026-05-01';

/**
 * The folder where {@link RUNTIME_TOOLS} are installed, once, in ~/.cache/payauth (the first time downloads ~150 MB
 * from the registry, as test/consumer does for Node 22.13); its `node_modules/.bin` holds `bun`, `deno`, `wrangler`,
 * `esbuild`, and `miniflare` and `edge-runtime` load from it.
 */
export async function cachedRuntimeTools(): Promise<string> {
  const key = Object.entries(RUNTIME_TOOLS)
    .map(([name, version]) => `${name}@${version}`)
    .join(' ');
  const folder = join(
    homedir(),
    '.cache',
    'payauth',
    `runtimes-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`,
  );
  const done = join(folder, 'installed.txt');
  if (existsSync(done)) return folder;
  rmSync(folder, { recursive: true, force: true }); // an install cut short is started again
  mkdirSync(folder, { recursive: true });
  // bun, deno, esbuild and workerd link their platform binary from an install script, which npm must be allowed to run.
  writeFileSync(
    join(folder, 'package.json'),
    `${JSON.stringify({ private: true, allowScripts: { bun: true, deno: true, esbuild: true, workerd: true } })}\n`,
  );
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      ...Object.entries(RUNTIME_TOOLS).map(([name, version]) => `${name}@${version}`),
    ],
    { cwd: folder, env: outsideEnvironment(dirname(process.execPath)), timeoutMs: 600_000 },
  );
  writeFileSync(done, `${key}\n`);
  return folder;
}
