import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/servers.ts';
import {
  buildPackages,
  cachedNode,
  outsideEnvironment,
  type PackedPackage,
  packedEarlier,
  packPackages,
  ROOT,
  run,
  start,
} from './project.ts';

// SPEC.md, "Installed from the registry": the four tarballs, installed into a project outside the repository, run
// there with no type stripping and no bundler — ESM import, CommonJS require (Node's require of ESM), TypeScript with
// nodenext/strict/skipLibCheck false, and `npx payauth` as in the repository. On the pinned Node 24, and on Node
// 22.13 (the oldest the packages declare) from the npm `node` package, cached in ~/.cache/payauth.

/** Every public subpath, as a user imports it; the ones whose source is not in the repository are left out. */
const SUBPATHS = [
  ['@payauth/core', 'packages/core/src/index.ts'],
  ['@payauth/client', 'packages/client/src/index.ts'],
  ['@payauth/client/keys', 'packages/client/src/keys/index.ts'],
  ['@payauth/server', 'packages/server/src/index.ts'],
  ['@payauth/server/express', 'packages/server/src/adapters/express.ts'],
  ['@payauth/server/hono', 'packages/server/src/adapters/hono.ts'],
  ['@payauth/server/fastify', 'packages/server/src/adapters/fastify.ts'],
  ['@payauth/server/fetch', 'packages/server/src/adapters/fetch.ts'],
  ['@payauth/server/postgres', 'packages/server/src/store/postgres.ts'],
  ['@payauth/server/redis', 'packages/server/src/state/redis.ts'],
  ['payauth', 'packages/cli/src/index.ts'],
] as const;
const present = SUBPATHS.filter(([, source]) => existsSync(join(ROOT, source))).map(([subpath]) => subpath);
const absent = SUBPATHS.filter(([, source]) => !existsSync(join(ROOT, source))).map(([subpath]) => subpath);
if (absent.length > 0) console.warn(`[skip] not in the repository yet: ${absent.join(', ')}`);

/** The document vector of SPEC.md §1, signed by the installed `payauth sign hmac`. */
const SIGN_ARGS = [
  'payauth',
  'sign',
  'hmac',
  '--access-key',
  'k1rXpphkRG!2-Fox',
  '--secret-key',
  'E0!oYfVpA6-noiqGr-pT7AJ2ybT4r7lx',
  '--timestamp',
  '1672650133163',
  '--version',
  '1',
];
const SIGNED =
  'AUTH k1rXpphkRG!2-Fox:1672650133163:1:fdc93dee9a203b2a544e7bcc5f34918e89c547c2ee5503071482a9fbfb3e4e8e';

const OLDEST_NODE = '22.13.1';
const work = mkdtempSync(join(tmpdir(), 'payauth-consumer-'));
const project = join(work, 'project');
const summary: string[] = [];
let packed: PackedPackage[];
/** Folders holding the `node` each check runs on: the pinned Node 24, then Node 22.13. */
const nodes: Array<{ label: string; directory: string }> = [];

beforeAll(async () => {
  const started = performance.now();
  const oldest = cachedNode(OLDEST_NODE); // downloads once, meanwhile the build and the install run
  packed = packedEarlier() ?? (await buildAndPack());
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'payauth-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  writeProjectFiles();
  const pinned = outsideEnvironment(dirname(process.execPath));
  await run(
    'npm',
    [
      'install',
      '--no-package-lock',
      ...packed.map((tarball) => tarball.tarball),
      'express@^5',
      'hono@^4',
      '@hono/node-server@^1',
      'fastify@^5',
      'typescript@~5.9',
      '@types/node@^24',
      '@types/express@^5',
    ],
    { cwd: project, env: pinned, timeoutMs: 180_000 },
  );
  nodes.push({ label: `Node ${process.versions.node}`, directory: dirname(process.execPath) });
  nodes.push({ label: `Node ${OLDEST_NODE}`, directory: await oldest });
  summary.push(`set up in ${Math.round(performance.now() - started)} ms (${project})`);
}, 300_000);

afterAll(() => {
  console.log(`consumer test summary:\n  ${summary.join('\n  ')}`);
  if (!process.env.PAYAUTH_KEEP_CONSUMER) rmSync(work, { recursive: true, force: true });
});

async function buildAndPack(): Promise<PackedPackage[]> {
  await buildPackages();
  return packPackages(join(work, 'tarballs'));
}

/** The consumer's own files: ESM and CommonJS loaders, a TypeScript file, the docs' client examples. */
function writeProjectFiles(): void {
  writeFileSync(
    join(project, 'esm.mjs'),
    `${present.map((subpath, index) => `import * as m${index} from '${subpath}';`).join('\n')}
const modules = [${present.map((_, index) => `m${index}`).join(', ')}];
console.log(JSON.stringify(modules.map((module) => Object.keys(module).length)));
`,
  );
  writeFileSync(
    join(project, 'cjs.cjs'),
    `const subpaths = ${JSON.stringify(present)};
console.log(JSON.stringify(subpaths.map((subpath) => Object.keys(require(subpath)).length)));
`,
  );
  // What one import loads (Node >= 22.15 has module.registerHooks): the packages behind the resolved URLs.
  writeFileSync(
    join(project, 'loads.mjs'),
    `import { registerHooks } from 'node:module';
const packages = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const name = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url)?.[1];
    if (name) packages.add(name);
    return resolved;
  },
});
await import(process.argv[2]);
console.log(JSON.stringify([...packages].sort()));
`,
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        include: ['check.ts'],
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(project, 'check.ts'), typeScriptCheck());
  mkdirSync(join(project, 'examples'));
  for (const name of ['api-money', 'fondy', 'emoney', 'wakapay'])
    copyFileSync(join(ROOT, 'docs/examples', `${name}.ts`), join(project, 'examples', `${name}.mjs`));
}

/** A file that uses the public API of each package, type-checked as a user's project would be. */
function typeScriptCheck(): string {
  return `import { readFileSync } from 'node:fs';
import { formatHmacHeader, type Mechanism, PayauthError } from '@payauth/core';
import { apiKey, apiMoney, appToken, createClient, emoney, fondy, hmac, privateKeyJwt, type PayauthClient, wakapay } from '@payauth/client';
import { generateIdentity, loadPkcs12, type KeyMaterial } from '@payauth/client/keys';
import { runCli } from 'payauth';
${present.includes('@payauth/server/postgres') ? "import * as postgres from '@payauth/server/postgres';\n" : ''}${present.includes('@payauth/server/redis') ? "import * as redis from '@payauth/server/redis';\n" : ''}
const mechanism: Mechanism = 'hmac';
const header: string = formatHmacHeader({ accessKey: 'k', secretKey: 's', timestamp: 1, version: '1' });
const clients: PayauthClient[] = [
  createClient(apiMoney({ accessKey: 'k', secretKey: 's' })),
  createClient(fondy({ applicationId: '1234', secretKey: 's' })),
  createClient(wakapay({ apiKey: 'k', apiSecret: 's' })),
  createClient(emoney({ clientId: 'c', apiKey: 'k', pfx: readFileSync('x.pfx'), password: 'p' })),
];
const strategies = [hmac, appToken, privateKeyJwt, apiKey];
const identity = generateIdentity({ commonName: 'c', password: 'p' });
const material: KeyMaterial = loadPkcs12(identity.pkcs12, 'p');
const exitCode: Promise<number> = runCli(['--help']);
export { mechanism, header, clients, strategies, material, exitCode, PayauthError${present.includes('@payauth/server/postgres') ? ', postgres' : ''}${present.includes('@payauth/server/redis') ? ', redis' : ''} };
`;
}

describe('the packed packages', () => {
  it('ship dist, sources, README and LICENSE, and no test', () => {
    for (const tarball of packed) {
      summary.push(
        `${tarball.name}@${tarball.version}: ${(tarball.size / 1024).toFixed(1)} kB packed, ${(tarball.unpackedSize / 1024).toFixed(1)} kB unpacked, ${tarball.entryCount} files`,
      );
      expect(tarball.files).toContain('README.md');
      expect(tarball.files).toContain('LICENSE');
      expect(tarball.files).toContain('dist/index.js');
      expect(tarball.files).toContain('dist/index.d.ts');
      expect(tarball.files.filter((file) => /\.test\.|(^|\/)test\//.test(file))).toEqual([]);
    }
  });
});

describe('installed outside the repository', () => {
  it('type-checks with nodenext, strict and skipLibCheck false, with only @types/node', async () => {
    const environment = outsideEnvironment(nodes[0]!.directory);
    await run('npx', ['tsc', '-p', '.'], { cwd: project, env: environment });
    summary.push('tsc --noEmit (nodenext, strict, skipLibCheck false): clean');
  });

  for (const index of [0, 1]) {
    describe(`on ${index === 0 ? 'the pinned Node 24' : `Node ${OLDEST_NODE}`}`, () => {
      const environment = () => outsideEnvironment(nodes[index]!.directory);
      const label = () => nodes[index]!.label;

      it('imports every subpath (ESM)', async () => {
        const { stdout, stderr } = await run('node', ['esm.mjs'], { cwd: project, env: environment() });
        const counts = JSON.parse(stdout) as number[];
        expect(counts.every((count) => count > 0)).toBe(true);
        expect(stderr).toBe('');
        summary.push(`${label()}: import of ${present.length} subpaths`);
      });

      it('requires every subpath (CommonJS, require of ESM)', async () => {
        const { stdout, stderr } = await run('node', ['cjs.cjs'], { cwd: project, env: environment() });
        const counts = JSON.parse(stdout) as number[];
        expect(counts.every((count) => count > 0)).toBe(true);
        expect(stderr).toBe('');
        summary.push(`${label()}: require of ${present.length} subpaths`);
      });

      it('npx payauth sign hmac prints the document vector', async () => {
        const { stdout } = await run('npx', SIGN_ARGS, { cwd: project, env: environment() });
        expect(stdout.trim()).toBe(SIGNED);
        summary.push(`${label()}: npx payauth sign hmac → the document vector`);
      });

      it('npx payauth serve --demo answers the four presets of the installed client', async () => {
        const port = await freePort();
        const server = start('npx', ['payauth', 'serve', '--demo', '--port', String(port), '--store', ':memory:'], {
          cwd: project,
          env: environment(),
        });
        try {
          await server.waitFor(`http://127.0.0.1:${port}`);
          for (const name of ['api-money', 'fondy', 'emoney', 'wakapay']) {
            const { stdout } = await run('node', [join(project, 'examples', `${name}.mjs`)], {
              cwd: project,
              env: { ...environment(), PAYAUTH_BASE_URL: `http://127.0.0.1:${port}` },
            });
            const answer = JSON.parse(stdout);
            if (name === 'wakapay') expect(answer).toMatchObject({ usd: { currency: 'USD' }, tokenRequests: 1 });
            else expect(Array.isArray(answer)).toBe(true);
          }
        } finally {
          await server.stop();
        }
        summary.push(`${label()}: npx payauth serve --demo; api-money, fondy, emoney, wakapay clients succeed`);
      });
    });
  }
});
