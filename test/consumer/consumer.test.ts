import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/servers.ts';
import {
  cachedNode,
  outsideEnvironment,
  type PackedPackage,
  packedForThisRun,
  ROOT,
  run,
  start,
} from './project.ts';

// SPEC.md, "Installed from the registry": the four tarballs, installed into a project outside the repository, run
// there with no type stripping and no bundler — ESM import, CommonJS require (Node's require of ESM), TypeScript with
// nodenext/strict/skipLibCheck false, and `npx payauth` as in the repository. On the pinned Node 24, and on Node
// 22.13 (the oldest the packages declare) from the npm `node` package, cached in ~/.cache/payauth.

/** Every public subpath a user imports at run time (`./conformance` needs the user's Vitest: type-checked only). */
const SUBPATHS = [
  '@payauth/core',
  '@payauth/client',
  '@payauth/client/keys',
  '@payauth/server',
  '@payauth/server/express',
  '@payauth/server/hono',
  '@payauth/server/fastify',
  '@payauth/server/fetch',
  '@payauth/server/standalone',
  '@payauth/server/postgres',
  '@payauth/server/redis',
  '@payauth/server/metrics',
  'payauth',
];
/** The frameworks and drivers an import must not load unless they are its own (SPEC.md, "Embedding"). */
const HEAVY = ['express', 'hono', 'fastify', 'pg', 'ioredis'];
/** What each import may load of HEAVY. */
const MAY_LOAD: Record<string, readonly string[]> = {
  '@payauth/server': [],
  '@payauth/server/express': ['express'],
  '@payauth/server/hono': ['hono'],
  '@payauth/server/fastify': ['fastify'],
  '@payauth/server/fetch': [],
  '@payauth/client': [],
};

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
let typeCheck: Promise<unknown>;
/** Folders holding the `node` each check runs on: the pinned Node 24, then Node 22.13. */
const nodes: Array<{ label: string; directory: string }> = [];

beforeAll(async () => {
  const started = performance.now();
  const oldest = cachedNode(OLDEST_NODE); // downloads once, meanwhile the build and the install run
  packed = await packedForThisRun();
  const packedAt = performance.now();
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
      '--prefer-offline',
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
  // The type check is the slowest step (skipLibCheck false reads every declaration): it runs while the others do.
  typeCheck = run('npx', ['tsc', '-p', '.'], { cwd: project, env: pinned });
  typeCheck.catch(() => {}); // awaited (and reported) by its own test
  nodes.push({ label: `Node ${process.versions.node}`, directory: dirname(process.execPath) });
  nodes.push({ label: `Node ${OLDEST_NODE}`, directory: await oldest });
  summary.push(
    `built and packed in ${Math.round(packedAt - started)} ms, installed in ${Math.round(performance.now() - packedAt)} ms (${project})`,
  );
}, 300_000);

afterAll(() => {
  console.log(`consumer test summary:\n  ${summary.join('\n  ')}`);
  if (!process.env.PAYAUTH_KEEP_CONSUMER) rmSync(work, { recursive: true, force: true });
});

/** The consumer's own files: ESM and CommonJS loaders, a TypeScript file, the docs' client examples. */
function writeProjectFiles(): void {
  writeFileSync(
    join(project, 'esm.mjs'),
    `${SUBPATHS.map((subpath, index) => `import * as m${index} from '${subpath}';`).join('\n')}
const modules = [${SUBPATHS.map((_, index) => `m${index}`).join(', ')}];
console.log(JSON.stringify(modules.map((module) => Object.keys(module).length)));
`,
  );
  writeFileSync(
    join(project, 'cjs.cjs'),
    `const subpaths = ${JSON.stringify(SUBPATHS)};
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
  writeFileSync(join(project, 'embed.mjs'), EMBED);
  for (const name of ['core', 'client', 'server'])
    writeFileSync(join(project, `readme-${name}.mjs`), readmeExample(name));
  mkdirSync(join(project, 'examples'));
  for (const name of ['api-money', 'fondy', 'emoney', 'wakapay'])
    copyFileSync(join(ROOT, 'docs/examples', `${name}.ts`), join(project, 'examples', `${name}.mjs`));
}

/** The first ```js block of a package's README, with its sandbox URL left for the test to fill. */
function readmeExample(name: string): string {
  const readme = readFileSync(join(ROOT, 'packages', name, 'README.md'), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error(`packages/${name}/README.md has no js example`);
  return block.replaceAll("'http://127.0.0.1:8080'", 'process.env.PAYAUTH_BASE_URL');
}

/**
 * An app of the user's own, protected with one adapter (argv[2]: express, hono, fastify or fetch): a credential made
 * with `payauth.credentials.create`, the installed client calling a route guarded by `hmac` and one guarded by
 * `api-key` (its token from the adapter's own token endpoint), and one call with no credentials.
 */
const EMBED = `import { createServer } from 'node:net';
import { apiKey, createClient, hmac, PayauthResponseError } from '@payauth/client';
import { createPayauth } from '@payauth/server';

const framework = process.argv[2];
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const baseUrl = \`http://127.0.0.1:\${port}\`;
const payauth = await createPayauth({ store: ':memory:', issuer: baseUrl });
const signed = await payauth.credentials.create('hmac', { partner: 'acme' });
const keyed = await payauth.credentials.create('api-key', { partner: 'globex' });
let close;
if (framework === 'express') {
  const { default: express } = await import('express');
  const { payauthRouter, requireAuth } = await import('@payauth/server/express');
  const app = express();
  app.use(payauthRouter(payauth));
  app.get('/orders', requireAuth(payauth, 'hmac'), (req, res) => res.json(req.payauth));
  app.get('/balance', requireAuth(payauth, 'api-key'), (req, res) => res.json(req.payauth));
  const server = app.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  close = () => new Promise((resolve) => server.close(resolve));
} else if (framework === 'fastify') {
  const { default: Fastify } = await import('fastify');
  const { payauthPlugin, requireAuth } = await import('@payauth/server/fastify');
  const app = Fastify();
  await app.register(payauthPlugin, { payauth });
  app.get('/orders', { onRequest: requireAuth(payauth, 'hmac') }, async (request) => request.payauth);
  app.get('/balance', { preHandler: requireAuth(payauth, 'api-key') }, async (request) => request.payauth);
  await app.listen({ port, host: '127.0.0.1' });
  close = () => app.close();
} else {
  const { serve } = await import('@hono/node-server');
  let fetch;
  if (framework === 'hono') {
    const { Hono } = await import('hono');
    const { payauthRoutes, requireAuth } = await import('@payauth/server/hono');
    const app = new Hono();
    app.route('/', payauthRoutes(payauth));
    app.get('/orders', requireAuth(payauth, 'hmac'), (c) => c.json(c.get('payauth')));
    app.get('/balance', requireAuth(payauth, 'api-key'), (c) => c.json(c.get('payauth')));
    fetch = app.fetch;
  } else {
    const { authenticate, payauthHandler } = await import('@payauth/server/fetch');
    const handle = payauthHandler(payauth);
    fetch = async (request) => {
      const answer = await handle(request);
      if (answer) return answer;
      const mechanism = new URL(request.url).pathname === '/orders' ? 'hmac' : 'api-key';
      const result = await authenticate(payauth, mechanism, request);
      return result.ok ? Response.json(result.principal) : result.response;
    };
  }
  const server = serve({ fetch, port, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  close = () => new Promise((resolve) => server.close(resolve));
}
try {
  const orders = createClient({ baseUrl, auth: hmac({ accessKey: signed.accessKey, secretKey: signed.secretKey }) });
  const balance = createClient({ baseUrl, auth: apiKey({ apiKey: keyed.apiKey, apiSecret: keyed.apiSecret }) });
  const anonymous = await fetch(\`\${baseUrl}/orders\`);
  console.log(JSON.stringify({
    hmac: await orders.json('/orders'),
    apiKey: await balance.json('/balance'),
    anonymous: { status: anonymous.status, body: await anonymous.json() },
  }));
} catch (error) {
  console.error(error instanceof PayauthResponseError ? \`\${error.status} \${error.providerMessage}\` : error);
  process.exitCode = 1;
} finally {
  await close();
  await payauth.close();
}
`;

/** A file that uses the public API of each package, type-checked as a user's project would be. */
function typeScriptCheck(): string {
  return `import { readFileSync } from 'node:fs';
import { formatHmacHeader, type Mechanism, PayauthError } from '@payauth/core';
import { apiKey, apiMoney, appToken, createClient, emoney, fondy, hmac, privateKeyJwt, type PayauthClient, wakapay } from '@payauth/client';
import { loadPkcs12, type KeyMaterial } from '@payauth/client/keys';
import { createPayauth, generateIdentity, type Payauth } from '@payauth/server';
import express from 'express';
import { payauthRouter, requireAuth as requireExpress } from '@payauth/server/express';
import { Hono } from 'hono';
import { payauthRoutes, requireAuth as requireHono } from '@payauth/server/hono';
import Fastify from 'fastify';
import { payauthPlugin, requireAuth as requireFastify } from '@payauth/server/fastify';
import { authenticate, payauthHandler } from '@payauth/server/fetch';
import { createPayauthServer } from '@payauth/server/standalone';
import { PostgresStore } from '@payauth/server/postgres';
import * as redis from '@payauth/server/redis';
import { describeStoreConformance } from '@payauth/server/conformance';
import { runCli } from 'payauth';

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

export async function embed(): Promise<void> {
  const payauth: Payauth = await createPayauth({ store: ':memory:', issuer: 'http://127.0.0.1:3000' });
  const created = await payauth.credentials.create('hmac', { partner: 'acme' });
  const accessKey: string = created.accessKey;

  const app = express();
  app.use(payauthRouter(payauth));
  app.get('/orders', requireExpress(payauth, 'hmac'), (req, res) => {
    res.json({ partner: req.payauth?.partnerId, key: accessKey });
  });

  const hono = new Hono();
  hono.route('/', payauthRoutes(payauth));
  hono.get('/balance', requireHono(payauth, 'api-key'), (c) => c.json({ partner: c.get('payauth').partnerId }));

  const fastify = Fastify();
  await fastify.register(payauthPlugin, { payauth });
  fastify.get('/users', { onRequest: requireFastify(payauth, 'private-key-jwt') }, async (request) => request.payauth);

  const handle = payauthHandler(payauth);
  const fetchHandler = async (request: Request): Promise<Response> => {
    const answer = await handle(request);
    if (answer) return answer;
    const result = await authenticate(payauth, 'hmac', request);
    return result.ok ? Response.json(result.principal) : result.response;
  };
  await fetchHandler(new Request('http://127.0.0.1:3000/orders'));

  const server = await createPayauthServer({ store: new PostgresStore('postgres://localhost/payauth') });
  await server.close();
  await payauth.close();
}
export { mechanism, header, clients, strategies, material, exitCode, PayauthError, redis, describeStoreConformance };
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

// Each step spawns npm, npx or a server: generous per test, for a loaded machine.
describe('installed outside the repository', { timeout: 180_000 }, () => {
  it('on an older Node, npx payauth says in one line what it needs (exit 2)', async () => {
    // The machine's own Node, when it is older than the packages need (these machines have Node 20).
    const system = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((entry) => entry && !entry.includes('node_modules'))
      .map((entry) => join(entry, 'node'))
      .find((candidate) => existsSync(candidate));
    const version = system
      ? (await run(system, ['-p', 'process.versions.node'], { cwd: project, env: {} })).stdout.trim()
      : '';
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (!system || major > 22 || (major === 22 && minor >= 13)) {
      console.warn('[skip] no Node older than 22.13 on this machine');
      return;
    }
    const failure = await run('npx', ['payauth', '--help'], {
      cwd: project,
      env: outsideEnvironment(dirname(system)),
    }).catch((error: Error) => error);
    expect(failure).toMatchObject({ exitCode: 2 });
    expect(String(failure)).toContain(`payauth needs Node.js 22.13 or later (this is v${version})`);
    summary.push(`Node ${version}: npx payauth says it needs Node.js 22.13 or later, exit 2`);
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
        summary.push(`${label()}: import of ${SUBPATHS.length} subpaths`);
      });

      it('requires every subpath (CommonJS, require of ESM)', async () => {
        const { stdout, stderr } = await run('node', ['cjs.cjs'], { cwd: project, env: environment() });
        const counts = JSON.parse(stdout) as number[];
        expect(counts.every((count) => count > 0)).toBe(true);
        expect(stderr).toBe('');
        summary.push(`${label()}: require of ${SUBPATHS.length} subpaths`);
      });

      // Every adapter on Node 24; on Node 22.13 (the same JavaScript, only Node's APIs differ) one on node:http and the
      // one on fetch's Request/Response, to keep the test short.
      const frameworks = index === 0 ? ['express', 'hono', 'fastify', 'fetch'] : ['express', 'fetch'];
      it(`protects an app of its own with ${frameworks.join(', ')}`, async () => {
        for (const framework of frameworks) {
          const { stdout } = await run('node', ['embed.mjs', framework], {
            cwd: project,
            env: environment(),
          });
          const answer = JSON.parse(stdout);
          expect(answer.hmac).toMatchObject({ mechanism: 'hmac', partnerId: 'acme' });
          expect(answer.apiKey).toMatchObject({ mechanism: 'api-key', partnerId: 'globex' });
          expect(answer.anonymous.status).toBe(401);
        }
        summary.push(`${label()}: ${frameworks.join(', ')} apps guarded by hmac and api-key`);
      });

      it.runIf(index === 0)("runs the server README's example, and its printed curl works", async () => {
        const port = await freePort();
        const script = join(project, `readme-server-${port}.mjs`);
        writeFileSync(
          script,
          readFileSync(join(project, 'readme-server.mjs'), 'utf8').replaceAll('3000', String(port)),
        );
        const app = start('node', [script], { cwd: mkdtempSync(join(work, 'readme-')), env: environment() });
        try {
          await app.waitFor('try: curl');
          const sign = /\$\(npx (payauth sign hmac --access-key '([^']+)' --secret-key '([^']+)')\)/.exec(
            app.output(),
          );
          expect(sign).not.toBeNull();
          const { stdout } = await run(
            'npx',
            ['payauth', 'sign', 'hmac', '--access-key', sign![2]!, '--secret-key', sign![3]!],
            { cwd: project, env: environment() },
          );
          const answer = await fetch(`http://127.0.0.1:${port}/orders`, {
            headers: { authorization: stdout.trim() },
          });
          expect(await answer.json()).toEqual({ partner: 'acme' });
        } finally {
          await app.stop();
        }
        summary.push(`${label()}: the server README's Express example, called as it says`);
      });

      it.runIf(index === 0)('loads no other framework, pg or ioredis than the one imported', async () => {
        for (const [subpath, allowed] of Object.entries(MAY_LOAD)) {
          const { stdout } = await run('node', ['loads.mjs', subpath], { cwd: project, env: environment() });
          const loaded = JSON.parse(stdout) as string[];
          const unexpected = loaded.filter((name) => HEAVY.includes(name) && !allowed.includes(name));
          expect({ subpath, unexpected }).toEqual({ subpath, unexpected: [] });
        }
        summary.push(`${label()}: each adapter loads only its framework; none loads pg or ioredis`);
      });

      it('npx payauth sign hmac prints the document vector', async () => {
        const { stdout } = await run('npx', SIGN_ARGS, { cwd: project, env: environment() });
        expect(stdout.trim()).toBe(SIGNED);
        summary.push(`${label()}: npx payauth sign hmac → the document vector`);
      });

      it('npx payauth serve --demo answers the four presets of the installed client', async () => {
        const port = await freePort();
        const server = start(
          'npx',
          ['payauth', 'serve', '--demo', '--port', String(port), '--store', ':memory:'],
          {
            cwd: project,
            env: environment(),
          },
        );
        try {
          await server.waitFor(`http://127.0.0.1:${port}`);
          for (const name of ['api-money', 'fondy', 'emoney', 'wakapay']) {
            const { stdout } = await run('node', [join(project, 'examples', `${name}.mjs`)], {
              cwd: project,
              env: { ...environment(), PAYAUTH_BASE_URL: `http://127.0.0.1:${port}` },
            });
            const answer = JSON.parse(stdout);
            if (name === 'wakapay')
              expect(answer).toMatchObject({ usd: { currency: 'USD' }, tokenRequests: 1 });
            else expect(Array.isArray(answer)).toBe(true);
          }
          const baseUrl = { PAYAUTH_BASE_URL: `http://127.0.0.1:${port}` };
          const core = await run('node', ['readme-core.mjs'], { cwd: project, env: environment() });
          expect(core.stdout.split('\n')[0]).toBe(SIGNED);
          const client = await run('node', ['readme-client.mjs'], {
            cwd: project,
            env: { ...environment(), ...baseUrl },
          });
          expect(client.stderr).toBe('');
          expect(client.stdout).toContain("currency: 'USD'");
        } finally {
          await server.stop();
        }
        summary.push(
          `${label()}: npx payauth serve --demo; api-money, fondy, emoney, wakapay clients and the READMEs' examples succeed`,
        );
      });
    });
  }

  // Last: it has been running in the background since the install.
  it('type-checks with nodenext, strict and skipLibCheck false, with only @types/node', async () => {
    await typeCheck;
    summary.push('tsc --noEmit (nodenext, strict, skipLibCheck false): clean');
  });
});
