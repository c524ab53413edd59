// `npm run release:check`: the release dry run. Builds the four packages, lints what they publish (publint, strict),
// checks their types as each kind of user resolves them (arethetypeswrong, ESM-only profile), packs them, prints each
// tarball's size and file count, then runs the consumer test on those very tarballs. Publishes nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_FOLDERS, packPackages, ROOT, recordPacked } from '../test/consumer/project.ts';

/** A tool's entry file in the workspace's node_modules (some do not export their package.json). */
const bin = (name: string, path: string) => join(ROOT, 'node_modules', name, path);

function step(title: string, command: string, args: string[], cwd = ROOT): void {
  console.log(`\n== ${title}`);
  execFileSync(command, args, { cwd, stdio: 'inherit' });
}

step('build', process.execPath, [join(ROOT, 'scripts/build.ts')]);
for (const folder of PACKAGE_FOLDERS) {
  const directory = join(ROOT, 'packages', folder);
  step(
    `publint --strict packages/${folder}`,
    process.execPath,
    [bin('publint', 'src/cli.js'), '--strict'],
    directory,
  );
  step(
    `attw --pack --profile esm-only packages/${folder}`,
    process.execPath,
    [bin('@arethetypeswrong/cli', 'dist/index.js'), '--pack', '.', '--profile', 'esm-only'],
    directory,
  );
}

console.log('\n== npm pack');
const destination = mkdtempSync(join(tmpdir(), 'payauth-release-'));
const packed = await packPackages(destination);
recordPacked(destination, packed);
for (const tarball of packed)
  console.log(
    `${`${tarball.name}@${tarball.version}`.padEnd(24)} ${(tarball.size / 1024).toFixed(1).padStart(6)} kB packed` +
      `  ${(tarball.unpackedSize / 1024).toFixed(1).padStart(6)} kB unpacked  ${String(tarball.entryCount).padStart(3)} files`,
  );
console.log(`tarballs in ${destination}`);

// The consumer test installs these tarballs (PAYAUTH_TARBALLS) instead of building and packing again.
console.log('\n== consumer test');
execFileSync(process.execPath, [bin('vitest', 'vitest.mjs'), 'run', 'test/consumer'], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, PAYAUTH_TARBALLS: destination },
});
console.log('\nrelease check passed: nothing was published');
