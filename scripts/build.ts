// `npm run build`: each package's TypeScript to JavaScript, declarations and source maps in its dist/, in dependency
// order (core, then client and server, then cli), each against the declarations of the ones it imports. The files
// of src/ that are not TypeScript (the dashboard's HTML, CSS and browser modules) are copied to the same place in
// dist/, so that what ships runs from dist/ alone.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The packages, in build order. */
export const PACKAGES = ['core', 'client', 'server', 'cli'] as const;

const root = new URL('../', import.meta.url).pathname;
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

for (const name of PACKAGES) {
  const directory = join(root, 'packages', name);
  // A clean dist/, so that nothing renamed or deleted in src/ lingers in what ships.
  rmSync(join(directory, 'dist'), { recursive: true, force: true });
  const started = performance.now();
  execFileSync(process.execPath, [tsc, '-p', join(directory, 'tsconfig.build.json')], { stdio: 'inherit' });
  cpSync(join(directory, 'src'), join(directory, 'dist'), {
    recursive: true,
    filter: (source) => !source.endsWith('.ts'),
  });
  console.log(`built packages/${name}/dist in ${Math.round(performance.now() - started)} ms`);
}
