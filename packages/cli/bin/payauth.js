#!/usr/bin/env node
// The payauth binary, plain JavaScript so that any Node can read it.
//
// Installed from the registry it runs the built JavaScript in ../dist, which needs Node >= 22.13 (node:sqlite
// without a flag, require of ESM without a warning) and nothing else: no type stripping, no loader.
//
// In the repository (a checkout: ../tsconfig.build.json is there, and it is never published) it runs the TypeScript
// sources, so that the tests exercise the code without a build. That needs two things of Node: type stripping
// (Node >= 22.18 / 23.6 by default, 22.6+ behind a flag) and the `payauth-source` export condition, which makes
// `@payauth/*` resolve to `src/*.ts` instead of `dist/*.js`. A Node that cannot strip types hands over to the
// pinned Node 24 (the repository's `node` devDependency, which npm/npx also put first on the PATH).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CONDITION = 'payauth-source';
const self = fileURLToPath(import.meta.url);
const packageRoot = join(dirname(self), '..');
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const atLeast = (wantedMajor, wantedMinor) =>
  major > wantedMajor || (major === wantedMajor && minor >= wantedMinor);

if (!existsSync(join(packageRoot, 'tsconfig.build.json'))) {
  // Installed: the build.
  if (!atLeast(22, 13)) fail(`payauth needs Node.js 22.13 or later (this is ${process.version})`);
  await import(pathToFileURL(join(packageRoot, 'dist', 'bin.js')).href);
} else {
  await runSources();
}

/** Runs src/bin.ts in this process when Node can, or re-executes Node with what the sources need. */
async function runSources() {
  const stripsTypes = atLeast(23, 6) || (major === 22 && minor >= 18);
  const entry = pathToFileURL(join(packageRoot, 'src', 'bin.ts')).href;
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (stripsTypes && flags.includes(CONDITION)) return void (await import(entry));
  if (stripsTypes && typeof module.registerHooks === 'function') {
    // Node >= 22.15 / 23.5: add the condition in this process rather than paying for a second one.
    module.registerHooks({
      resolve: (specifier, context, nextResolve) =>
        nextResolve(specifier, { ...context, conditions: [...context.conditions, CONDITION] }),
    });
    return void (await import(entry));
  }
  let command = stripsTypes ? process.execPath : pinnedNode();
  const nodeFlags = [`--conditions=${CONDITION}`];
  if (!command && major === 22 && minor >= 6) {
    command = process.execPath;
    nodeFlags.push('--experimental-strip-types', '--no-warnings');
  }
  if (!command)
    fail(
      `payauth from the repository's sources needs Node.js 22.18 or later (this is ${process.version}); ` +
        'run it through npm/npx in the repository, which use the pinned Node 24',
    );
  const child = spawn(command, [...nodeFlags, self, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** The repository's pinned Node (the `node` devDependency), when it is installed. */
function pinnedNode() {
  try {
    const binary = join(dirname(createRequire(self).resolve('node/package.json')), 'bin', 'node');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** One line on stderr, exit 2 (the CLI's usage exit code). */
function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
