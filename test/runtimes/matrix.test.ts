import { createHmac } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  outsideEnvironment,
  type PackedPackage,
  packedForThisRun,
  run,
  type Started,
  start,
} from '../consumer/project.ts';
import { createTestCertificate } from '../support/certificates.ts';
import { freePort } from '../support/servers.ts';
import { COMPATIBILITY_DATE, cachedRuntimeTools, RUNTIME_TOOLS } from './tools.ts';

// SPEC.md, "Every runtime": the packed packages, installed into a project outside the repository, on every runtime
// from the npm registry (test/runtimes/tools.ts): Node 24, Bun, Deno, workerd with and without nodejs_compat (bundled
// by wrangler, run by miniflare) and Vercel's edge-runtime (bundled by `esbuild --platform=browser`). On each, the
// client half (fixtures/client-check.js: the four presets, eMoney with PEM and with its .pfx) calls `payauth serve
// --demo` on loopback; on Node, Bun, Deno and workerd with nodejs_compat, the server half (fixtures/server-check.js:
// createPayauth on the memory store, the fetch and Hono adapters, every token endpoint, guard and the JWKS) runs in
// process. A runtime that fails fails its test: nothing is skipped. The table and three Workers' gzip sizes (what
// wrangler reports) are printed at the end, as in the README's "Runtimes" section.

const FIXTURES = join(import.meta.dirname, 'fixtures');
const work = mkdtempSync(join(tmpdir(), 'payauth-runtimes-'));
const project = join(work, 'project');

let tools: string;
let sandbox: Started;
const environment = outsideEnvironment(dirname(process.execPath));
const bin = (name: string) => join(tools, 'node_modules', '.bin', name);

/** One runtime × half verdict, for the table. */
const table = new Map<string, { client?: boolean; server?: boolean }>();
const sizes: Array<{ worker: string; script?: string; gzipKiB?: number; totalKiB?: number; error?: string }> =
  [];

/** What a fixture's check answers. */
interface CheckReport {
  readonly ok: boolean;
  readonly results: ReadonlyArray<{ name: string; ok: boolean; seen?: string }>;
}

beforeAll(async () => {
  const toolsReady = cachedRuntimeTools();
  const packed = await packedForThisRun();
  tools = await toolsReady;
  await installProject(packed);
  const port = await freePort();
  sandbox = start(
    process.execPath,
    [
      join(project, 'node_modules/payauth/dist/bin.js'),
      'serve',
      '--demo',
      '--port',
      String(port),
      '--store',
      './sandbox.db',
    ],
    { cwd: project, env: environment },
  );
  await sandbox.waitFor(`http://127.0.0.1:${port}`, 60_000);
  writeConfig(`http://127.0.0.1:${port}`);
}, 600_000);

afterAll(async () => {
  await sandbox?.stop();
  const mark = (value: boolean | undefined) => (value === undefined ? '—' : value ? '✅' : '❌');
  const lines = [
    '| runtime | client: 4 presets (PEM and .pfx) | server: createPayauth (memory) + fetch and Hono adapters |',
    '| --- | --- | --- |',
    ...[...table].map(([runtime, cells]) => `| ${runtime} | ${mark(cells.client)} | ${mark(cells.server)} |`),
    '',
    '| Worker (wrangler, no nodejs_compat) | gzip | total | runs |',
    '| --- | --- | --- | --- |',
    ...sizes.map(
      (size) =>
        `| ${size.worker} | ${size.gzipKiB ?? '—'} KiB | ${size.totalKiB ?? '—'} KiB | ${size.error ? `❌ ${size.error}` : '✅'} |`,
    ),
  ];
  console.log(`runtime matrix (${project}):\n${lines.join('\n')}`);
  if (!process.env.PAYAUTH_KEEP_RUNTIMES) rmSync(work, { recursive: true, force: true });
});

/** The project: the tarballs and hono, and the fixtures beside them. */
async function installProject(packed: readonly PackedPackage[]): Promise<void> {
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'payauth-runtimes', private: true, type: 'module' }, null, 2)}\n`,
  );
  await run(
    'npm',
    [
      'install',
      '--no-package-lock',
      '--prefer-offline',
      ...packed.map((tarball) => tarball.tarball),
      'hono@^4',
    ],
    { cwd: project, env: environment, timeoutMs: 300_000 },
  );
  for (const name of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, name), join(project, name));
}

/** config.json: the sandbox and its eMoney client for the client half, a fresh identity for the server half. */
function writeConfig(baseUrl: string): void {
  const demoFolder = join(project, 'payauth-demo');
  const demo = JSON.parse(readFileSync(join(demoFolder, 'credentials.json'), 'utf8'));
  const identity = createTestCertificate();
  const config = {
    client: {
      baseUrl,
      demo,
      keyPem: readFileSync(join(demoFolder, 'emoney-client-key.pem'), 'utf8'),
      certificatePem: readFileSync(join(demoFolder, 'emoney-client-cert.pem'), 'utf8'),
      pfxBase64: readFileSync(join(demoFolder, 'emoney-client.pfx')).toString('base64'),
    },
    server: { certificatePem: identity.certificatePem, keyPem: identity.keyPem },
  };
  writeFileSync(join(project, 'config.json'), JSON.stringify(config));
  rmSync(identity.directory, { recursive: true, force: true });
}

/** The last line of a check's output, parsed. */
function reportOf(stdout: string): CheckReport {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as CheckReport;
  } catch {
    return { ok: false, results: [{ name: 'output', ok: false, seen: stdout.slice(-2000) }] };
  }
}

/** Runs a check; a runtime that crashes or prints no report fails with its output. */
async function check(command: string, args: readonly string[]): Promise<CheckReport> {
  try {
    const { stdout } = await run(command, args, { cwd: project, env: environment, timeoutMs: 120_000 });
    return reportOf(stdout);
  } catch (error) {
    return {
      ok: false,
      results: [{ name: 'run', ok: false, seen: (error as Error).message.slice(0, 4000) }],
    };
  }
}

/** Records a verdict in the table, then fails the test with every failed step when there is one. */
function expectReport(runtime: string, half: 'client' | 'server', report: CheckReport): void {
  table.set(runtime, { ...table.get(runtime), [half]: report.ok });
  const failed = report.results.filter((result) => !result.ok);
  expect(failed, `${runtime} ${half}: ${JSON.stringify(failed, null, 2)}`).toEqual([]);
  expect(report.ok).toBe(true);
}

/** `wrangler deploy --dry-run`: the bundle wrangler would upload, and its sizes as wrangler reports them. */
async function bundleWorker(
  entry: string,
  flags: readonly string[],
): Promise<{ script: string; gzipKiB: number; totalKiB: number }> {
  const name = entry.replace(/\.js$/, '');
  // Inside the project: workerd refuses a module path that climbs out of its starting folder with `..`.
  const outdir = join(project, 'bundles', `${name}-${flags.join('-') || 'web'}`);
  const config = join(project, `wrangler-${name}-${flags.join('-') || 'web'}.toml`);
  writeFileSync(
    config,
    [
      `name = "${name}"`,
      `main = "${entry}"`,
      `compatibility_date = "${COMPATIBILITY_DATE}"`,
      `compatibility_flags = ${JSON.stringify(flags)}`,
      '',
    ].join('\n'),
  );
  const { stdout } = await run(
    bin('wrangler'),
    ['deploy', '--dry-run', '--outdir', outdir, '--config', config],
    {
      cwd: project,
      env: { ...environment, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
      timeoutMs: 120_000,
    },
  );
  const sizes = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(stdout);
  if (!sizes) throw new Error(`wrangler printed no sizes:\n${stdout}`);
  return { script: join(outdir, entry), totalKiB: Number(sizes[1]), gzipKiB: Number(sizes[2]) };
}

/** A file in the scratch folder, named uniquely, holding `value` as JSON. */
function scratchJson(prefix: string, value: unknown): string {
  const path = join(work, `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** Runs a bundled Worker on workerd (miniflare) and sends it one request (a POST of `body` as JSON, else a GET). */
async function runWorker(
  script: string,
  flags: readonly string[],
  request: { body?: unknown; bindings?: Record<string, string> },
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [join(project, 'run-workerd.mjs'), tools, script, flags.join(','), scratchJson('request', request)],
    { cwd: project, env: environment, timeoutMs: 120_000 },
  );
  return stdout;
}

/** Runs a check Worker: its report, or the failure as one. */
async function checkWorker(script: string, flags: readonly string[], body: unknown): Promise<CheckReport> {
  try {
    return reportOf(await runWorker(script, flags, { body }));
  } catch (error) {
    return {
      ok: false,
      results: [{ name: 'run', ok: false, seen: (error as Error).message.slice(0, 4000) }],
    };
  }
}

/** Bundles `entry` for the browser platform as a global named `name` (what edge-runtime evaluates). */
async function bundleForBrowser(entry: string, name: string, cwd = project): Promise<string> {
  const bundle = join(work, `${name}.js`);
  await run(
    bin('esbuild'),
    [
      entry,
      '--bundle',
      '--platform=browser',
      '--format=iife',
      `--global-name=${name}`,
      `--outfile=${bundle}`,
    ],
    { cwd, env: environment },
  );
  return bundle;
}

/** Evaluates `expression` in edge-runtime after `bundle`, with `process.env` = `env`; prints its value as JSON. */
async function runEdge(
  bundle: string,
  expression: string,
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [join(project, 'run-edge.mjs'), tools, bundle, expression, scratchJson('env', env)],
    { cwd: project, env: environment, timeoutMs: 120_000 },
  );
  return stdout;
}

const config = () => JSON.parse(readFileSync(join(project, 'config.json'), 'utf8'));

describe('every runtime (SPEC.md, "Every runtime")', () => {
  const node = `Node ${process.versions.node}`;
  const bun = `Bun ${RUNTIME_TOOLS.bun}`;
  const deno = `Deno ${RUNTIME_TOOLS.deno}`;
  const workerdCompat = `workerd, nodejs_compat (wrangler ${RUNTIME_TOOLS.wrangler})`;
  const workerdWeb = 'workerd without nodejs_compat';
  const edge = `edge-runtime ${RUNTIME_TOOLS['edge-runtime']} (esbuild --platform=browser)`;

  it(`${node}: client`, async () => {
    expectReport(node, 'client', await check(process.execPath, ['client.js']));
  });
  it(`${node}: server`, async () => {
    expectReport(node, 'server', await check(process.execPath, ['server.js']));
  });
  it(`${bun}: client`, async () => {
    expectReport(bun, 'client', await check(bin('bun'), ['client.js']));
  });
  it(`${bun}: server`, async () => {
    expectReport(bun, 'server', await check(bin('bun'), ['server.js']));
  });
  it(`${deno}: client`, async () => {
    expectReport(deno, 'client', await check(bin('deno'), ['run', '-A', 'client.js']));
  });
  it(`${deno}: server`, async () => {
    expectReport(deno, 'server', await check(bin('deno'), ['run', '-A', 'server.js']));
  });

  describe(workerdCompat, () => {
    let script: string;
    beforeAll(async () => {
      script = (await bundleWorker('worker.js', ['nodejs_compat'])).script;
    }, 180_000);
    it('client', async () => {
      expectReport(
        workerdCompat,
        'client',
        await checkWorker(script, ['nodejs_compat'], { side: 'client', config: config().client }),
      );
    });
    it('server', async () => {
      expectReport(
        workerdCompat,
        'server',
        await checkWorker(script, ['nodejs_compat'], { side: 'server', config: config().server }),
      );
    });
  });

  it(`${workerdWeb}: client`, async () => {
    let report: CheckReport;
    try {
      const { script } = await bundleWorker('worker-client.js', []);
      report = await checkWorker(script, [], { config: config().client });
    } catch (error) {
      report = {
        ok: false,
        results: [{ name: 'bundle', ok: false, seen: (error as Error).message.slice(0, 4000) }],
      };
    }
    expectReport(workerdWeb, 'client', report);
  });

  it(`${edge}: client`, async () => {
    let report: CheckReport;
    try {
      const bundle = await bundleForBrowser('client-check.js', 'PayauthCheck');
      report = reportOf(
        await runEdge(bundle, `PayauthCheck.checkClient(${JSON.stringify(config().client)})`),
      );
    } catch (error) {
      report = {
        ok: false,
        results: [{ name: 'bundle', ok: false, seen: (error as Error).message.slice(0, 4000) }],
      };
    }
    expectReport(edge, 'client', report);
  });

  it('Workers bundle sizes: wakapay only, emoney with PEM, emoney with .pfx (each also runs)', async () => {
    const { client } = config();
    const emoney = {
      CLIENT_ID: client.demo['private-key-jwt'].clientId,
      API_KEY: client.demo['private-key-jwt'].apiKey,
      BASE_URL: client.baseUrl,
    };
    const entries = [
      [
        'wakapay',
        'size-wakapay.js',
        {
          API_KEY: client.demo['api-key'].apiKey,
          API_SECRET: client.demo['api-key'].apiSecret,
          BASE_URL: client.baseUrl,
        },
      ],
      [
        'emoney, PEM',
        'size-emoney-pem.js',
        { ...emoney, KEY_PEM: client.keyPem, CERTIFICATE_PEM: client.certificatePem },
      ],
      [
        'emoney, .pfx',
        'size-emoney-pfx.js',
        { ...emoney, PFX_BASE64: client.pfxBase64, PFX_PASSWORD: client.demo['private-key-jwt'].pfxPassword },
      ],
    ] as const;
    for (const [worker, entry, bindings] of entries) {
      const size: (typeof sizes)[number] = { worker };
      sizes.push(size);
      try {
        Object.assign(size, await bundleWorker(entry, []));
        const answer = await runWorker(size.script!, [], { bindings });
        if (!/^[[{]/.test(answer.trim())) throw new Error(`the Worker answered ${answer.slice(0, 500)}`);
      } catch (error) {
        // The last lines say why (the first ones repeat the command).
        size.error = (error as Error).message.split('\n').filter(Boolean).slice(-6).join(' / ').slice(0, 600);
      }
    }
    expect(sizes.filter((size) => size.error)).toEqual([]);
  });
});

/** The runtimes whose connection info the adapters read, and how each runs fixtures/address-server.js. */
const ADDRESS_RUNTIMES = [
  { label: `Bun ${RUNTIME_TOOLS.bun}`, command: () => [bin('bun'), 'address-server.js'] },
  { label: `Deno ${RUNTIME_TOOLS.deno}`, command: () => [bin('deno'), 'run', '-A', 'address-server.js'] },
] as const;

describe.each(ADDRESS_RUNTIMES)(
  `the caller's address on $label (SPEC.md, "Every runtime")`,
  ({ command }) => {
    let server: Started;
    let ports: { hono: number; fetch: number };
    let credential: { accessKey: string; secretKey: string };

    beforeAll(async () => {
      const [executable, ...args] = command();
      server = start(executable!, args, { cwd: project, env: environment });
      await server.waitFor('"credential"', 30_000);
      const line = server
        .output()
        .split('\n')
        .find((text) => text.includes('"credential"'))!;
      const printed = JSON.parse(line) as { hono: number; fetch: number; credential: typeof credential };
      credential = printed.credential;
      ports = { hono: printed.hono, fetch: printed.fetch };
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    });

    /** An hmac call from one loopback address; `secret` wrong for a failure. */
    function call(port: number, from: string, secret: string): Promise<number> {
      const stringToSign = `${credential.accessKey}:${Date.now()}:1:`;
      const signature = createHmac('sha256', secret).update(stringToSign).digest('hex');
      return new Promise((resolve, reject) => {
        const sent = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/accounts',
            localAddress: from,
            headers: { authorization: `AUTH ${stringToSign}${signature}` },
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
          },
        );
        sent.on('error', reject);
        sent.end();
      });
    }

    for (const [adapter, first, second] of [
      ['hono', '127.0.0.2', '127.0.0.3'],
      ['fetch', '127.0.0.4', '127.0.0.5'],
    ] as const) {
      it(`${adapter} adapter: a caller that spent its failure budget does not spend another address's`, async () => {
        const port = ports[adapter];
        for (let attempt = 0; attempt < 3; attempt++)
          expect(await call(port, first, 'wrong secret')).toBe(401);
        // The first address is over its budget (3 a minute): even a good signature is refused…
        expect(await call(port, first, credential.secretKey)).toBe(429);
        // …while a caller from another address, known to the runtime, still has its own.
        expect(await call(port, second, credential.secretKey)).toBe(200);
      });
    }
  },
);

// docs/runtimes.md runs as written (CONVENTIONS.md 14): every block whose fence names a file (```ts worker.ts) is
// written into the project, with the sandbox's host for 127.0.0.1:8080, and the commands of each ```sh runtime block
// run there as written, with the runtimes of the matrix first on the PATH (`npx` dropped: it would look for them in
// the project, then in the registry). test/docs/docs-as-written.test.ts leaves those blocks to this test.
describe('docs/runtimes.md: each example runs on its runtime', () => {
  const documented = new Map<string, string>();
  /** The commands of the ```sh runtime blocks, by the section (## heading) they are in. */
  const commands = new Map<string, string[]>();
  let baseUrl: string;

  beforeAll(() => {
    baseUrl = config().client.baseUrl;
    const text = readFileSync(join(import.meta.dirname, '../../docs/runtimes.md'), 'utf8');
    let section = '';
    for (const [, heading, info, body] of text.matchAll(/^## (.+)$|^```(\w+ [\w./-]+)\n([\s\S]*?)^```$/gm)) {
      if (heading !== undefined) {
        section = heading.split(' ')[0]!;
        continue;
      }
      const [language, name] = info!.split(' ') as [string, string];
      if (name === 'illustrative') continue;
      if (language === 'sh' && name === 'runtime') {
        const lines = body!.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim());
        commands.set(section, [...(commands.get(section) ?? []), ...lines.filter(Boolean)]);
        continue;
      }
      const file = join(project, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body!.replaceAll('127.0.0.1:8080', new URL(baseUrl).host));
      documented.set(name, body!);
    }
  });

  /** Runs a section's commands in the project, in order; resolves with the last one's output. */
  async function runCommands(section: string): Promise<string> {
    const written = commands.get(section) ?? [];
    expect(written.length, `docs/runtimes.md, ${section}: a \`sh runtime\` block`).toBeGreaterThan(0);
    let stdout = '';
    for (const command of written) {
      ({ stdout } = await run('bash', ['-c', command.replace(/^npx /, '')], {
        cwd: project,
        env: {
          ...environment,
          PATH: `${join(tools, 'node_modules', '.bin')}:${environment.PATH}`,
          WRANGLER_SEND_METRICS: 'false',
          CI: 'true',
        },
        timeoutMs: 120_000,
      }));
    }
    return stdout;
  }

  it('documents a Worker with its wrangler.toml, a Deno program, a Bun server and an edge function', () => {
    expect([...documented.keys()].sort()).toEqual([
      'api/users.ts',
      'main.ts',
      'server.ts',
      'worker.ts',
      'wrangler.toml',
    ]);
    expect([...commands.keys()].sort()).toEqual(['Bun', 'Cloudflare', 'Deno', 'Edge']);
  });

  it('Cloudflare Workers: worker.ts with its wrangler.toml (no nodejs_compat) bundles, runs and calls the sandbox', async () => {
    await runCommands('Cloudflare');
    const toml = readFileSync(join(project, 'wrangler.toml'), 'utf8');
    const vars = Object.fromEntries(
      [...toml.slice(toml.indexOf('[vars]')).matchAll(/^(\w+) = "(.*)"$/gm)].map(([, name, value]) => [
        name!,
        value!,
      ]),
    );
    const flags = /compatibility_flags = (\[.*\])/.exec(toml)?.[1];
    const answer = await runWorker(join(project, 'dist', 'worker.js'), flags ? JSON.parse(flags) : [], {
      bindings: { ...vars, WAKAPAY_API_SECRET: config().client.demo['api-key'].apiSecret },
    });
    expect(JSON.parse(answer)).toMatchObject({ currency: 'USD' });
  });

  it('Deno: main.ts serves, guards and calls itself', async () => {
    expect((await runCommands('Deno')).trim()).toBe('{"partner":"acme","balance":"1250.00"}');
  });

  it('Bun: server.ts serves, guards and calls itself', async () => {
    expect((await runCommands('Bun')).trim()).toBe('{"partner":"acme"}');
  });

  it('Edge functions: api/users.ts bundles for the browser platform and calls the sandbox in edge-runtime', async () => {
    await runCommands('Edge');
    // edge-runtime evaluates a script, not a module: the same entry as a global for it.
    const bundle = await bundleForBrowser('api/users.ts', 'PayauthEdge');
    const { client } = config();
    const answer = await runEdge(
      bundle,
      'PayauthEdge.default(new Request("http://edge.test/api/users")).then(async (r) => ({ status: r.status, body: await r.json() }))',
      {
        EMONEY_KEY_PEM: client.keyPem,
        EMONEY_CERTIFICATE_PEM: client.certificatePem,
        PAYAUTH_BASE_URL: baseUrl,
      },
    );
    expect(JSON.parse(answer)).toMatchObject({ status: 200 });
  });
});
