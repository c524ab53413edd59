#!/usr/bin/env node
// The payauth binary. The sources are TypeScript run by Node's type stripping (Node >= 22.18; the repository pins
// Node 24 through the `node` devDependency, which `npm`/`npx` put first on the PATH). Started by an older Node, this
// file (plain JavaScript, so any Node can read it) hands over to the pinned Node 24, or to the older Node's
// experimental type stripping, or says clearly what is needed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
const stripsTypes = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);

if (stripsTypes) {
  await import('../src/bin.ts');
} else {
  const self = fileURLToPath(import.meta.url);
  let pinned;
  try {
    pinned = join(dirname(createRequire(self).resolve('node/package.json')), 'bin', 'node');
  } catch {}
  const [command, flags] =
    pinned && existsSync(pinned)
      ? [pinned, []]
      : major === 22 || major === 23
        ? [process.execPath, ['--experimental-strip-types', '--no-warnings']]
        : [undefined, []];
  if (!command) {
    process.stderr.write(
      `payauth: needs Node >= 22.18 (this is ${process.version}); run it through npm/npx in the repository, which use the pinned Node 24\n`,
    );
    process.exit(2);
  }
  const child = spawn(command, [...flags, self, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
