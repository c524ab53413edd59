import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { loadPkcs12 } from '@payauth/client/keys';
import { createClientAssertion, formatHmacHeader, signAppToken } from '@payauth/core';
import vectors from '@payauth/core/vectors.json' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packedForThisRun, ROOT } from '../consumer/project.ts';
import { freePort } from '../support/servers.ts';

// The container image (SPEC.md, "Run as a service"): the root Containerfile built with podman from the packed
// packages on a base built here (scripts/container-base.sh: debootstrap + the npm `node` binary, `podman import`:
// no registry serves images to these machines), then run as a user runs it, configured by PAYAUTH_* variables, with
// a named volume on /data. The four documented flows pass against it; the container is then removed and a new one
// started on the same volume, and they pass again, with the same demo files and a credential created before.
// The commands and the image size are printed, for CI's log. Under CI=true a machine where podman cannot run fails
// the test; elsewhere it is skipped, saying why.

const execFileAsync = promisify(execFile);
const IN_CI = process.env.CI === 'true';
/** Unique per run: several checkouts may test at once on one machine. */
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const IMAGE = 'localhost/payauth:test';
const CONTAINER = `payauth-test-${RUN}`;
const VOLUME = `payauth-test-${RUN}`;

/** podman as FACTS.md says it runs here: runc (crun fails on these hybrid cgroups). */
const PODMAN = ['--runtime', 'runc'];

async function sh(
  command: string,
  args: readonly string[],
  timeoutMs = 120_000,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(command, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failure = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')}: ${failure.message}\n${failure.stdout ?? ''}${failure.stderr ?? ''}`,
    );
  }
}

const podman = (args: readonly string[], timeoutMs?: number) => sh('podman', [...PODMAN, ...args], timeoutMs);

/** Why podman cannot build and run images here, or undefined when it can. */
async function whyNot(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root (the base is built with debootstrap)';
  for (const tool of ['podman', 'runc', 'debootstrap']) {
    try {
      await sh('sh', ['-c', `command -v ${tool}`]);
    } catch {
      return `${tool} is not installed (apt-get install podman runc debootstrap)`;
    }
  }
  try {
    await podman(['info', '--format', '{{.Host.CgroupManager}}']);
  } catch (error) {
    return `podman info fails: ${(error as Error).message.split('\n')[0]}`;
  }
  return undefined;
}

/**
 * The resource limits a container gets: this machine's open-files limit, and a process limit runc may set. Podman's
 * defaults (and `--ulimit host`, with this podman) ask for more than the host allows, which runc refuses (FACTS.md).
 */
function ulimits(): string[] {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const files = /^Max open files\s+\d+\s+(\d+)/m.exec(limits)?.[1] ?? '1024';
  const open = Math.min(Number(files), 65_536);
  return ['--ulimit', `nofile=${open}:${open}`, '--ulimit', 'nproc=4096:4096'];
}

let problem: string | undefined;
let port: number;
let base: string;
let volumePath: string;
/** A credential created through the running container's CLI before the restart. */
let created: { accessKey: string; secretKey: string };

async function runContainer(): Promise<void> {
  const args = [
    'run',
    '--detach',
    '--name',
    CONTAINER,
    ...ulimits(),
    '--network',
    'host',
    '--volume',
    `${VOLUME}:/data`,
    '--env',
    `PAYAUTH_PORT=${port}`,
    '--env',
    'PAYAUTH_DEMO=1',
    IMAGE,
  ];
  console.log(`$ podman ${[...PODMAN, ...args].join(' ')}`);
  const started = performance.now();
  await podman(args);
  await ready();
  console.log(`container ready (GET /health/ready 200) in ${Math.round(performance.now() - started)} ms`);
}

/** Waits for /health/ready, failing with the container's log if it never answers. */
async function ready(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/health/ready`)).status === 200) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const logs = await podman(['logs', CONTAINER]).catch((error: Error) => ({
    stdout: '',
    stderr: error.message,
  }));
  throw new Error(`the container never got ready:\n${logs.stdout}${logs.stderr}`);
}

/** SIGTERM through podman: node is PID 1 (exec form) and exits 0 once drained. */
async function stopContainer(): Promise<number> {
  await podman(['stop', '--time', '20', CONTAINER], 60_000);
  const { stdout } = await podman(['inspect', '--format', '{{.State.ExitCode}}', CONTAINER]);
  await podman(['rm', CONTAINER]);
  return Number(stdout.trim());
}

/** The four documented flows, against the container. */
async function fourFlows(): Promise<void> {
  // API-money: the signed AUTH header (document 000).
  const hmac = vectors.hmac[0]!;
  const accounts = await fetch(`${base}/api/accounts`, {
    headers: {
      Authorization: formatHmacHeader({
        accessKey: hmac.accessKey,
        secretKey: hmac.secretKey,
        timestamp: Date.now(),
      }),
    },
  });
  expect(accounts.status).toBe(200);
  expect(await accounts.json()).toEqual(vectors.hmacAccounts.accounts);

  // Fondy: the token request (document 002), then a call with the token.
  const date = new Date().toISOString().slice(0, 19).replace('T', ' ');
  const fondy = await fetch(`${base}/authorizer/token/application/get`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      application_id: '1234',
      date,
      signature: signAppToken({ secretKey: 'fondy-demo-secret-1234', applicationId: '1234', date }),
    }),
  });
  expect(fondy.status).toBe(200);
  const { token } = (await fondy.json()) as { token: string };
  expect(
    (await fetch(`${base}/api/accounts`, { headers: { Authorization: `Bearer ${token}` } })).status,
  ).toBe(200);

  // eMoney: a client assertion from the demo's .pfx (in the volume), the token, the users with the apikey.
  const { privateKey, certificate } = loadPkcs12(
    readFileSync(join(volumePath, 'payauth-demo', 'emoney-client.pfx')),
    'demo-password',
  );
  const assertion = createClientAssertion({
    clientId: 'emoney-demo-client',
    privateKey,
    certificate: certificate!,
    audience: `${base}/connect/token`,
  });
  const emoney = await fetch(`${base}/connect/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: 'API',
    }),
  });
  expect(emoney.status).toBe(200);
  const { access_token } = (await emoney.json()) as { access_token: string };
  const users = await fetch(`${base}/public/v1/users`, {
    headers: { Authorization: `Bearer ${access_token}`, apikey: 'emoney-demo-api-key' },
  });
  expect(users.status).toBe(200);
  expect(Array.isArray(await users.json())).toBe(true);

  // WakaPay: /business/auth (document 004), then the balance.
  const waka = await fetch(`${base}/business/auth`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiKey: 'your_api_key', apiSecret: 'your_api_secret' }),
  });
  expect(waka.status).toBe(200);
  const { accessToken } = (await waka.json()) as { accessToken: string };
  const balance = await fetch(`${base}/business/balance?currency=USD`, {
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  expect(balance.status).toBe(200);
  expect(await balance.json()).toEqual({ currency: 'USD', balance: '1250.00' });
}

/** A call signed with the credential created through the container's CLI. */
async function createdCredentialCall(): Promise<number> {
  const response = await fetch(`${base}/api/accounts`, {
    headers: { Authorization: formatHmacHeader({ ...created, timestamp: Date.now() }) },
  });
  return response.status;
}

beforeAll(async () => {
  problem = await whyNot();
  if (problem !== undefined) {
    if (IN_CI)
      throw new Error(`podman cannot run here (${problem}); .ci/run installs podman, runc and debootstrap`);
    console.log(`test/container skipped: ${problem}`);
    return;
  }
  const started = performance.now();
  // The base and the packages at once: debootstrap the first time (~2 min, then cached), tsc + npm pack.
  const [baseImage, packed] = await Promise.all([
    sh('bash', [join(ROOT, 'scripts/container-base.sh')], 600_000).then(({ stdout }) => stdout.trim()),
    packedForThisRun(),
  ]);
  console.log(
    `base image ${baseImage} and the packed packages in ${Math.round(performance.now() - started)} ms`,
  );
  const context = mkdtempSync(join(tmpdir(), 'payauth-image-'));
  for (const { tarball } of packed) copyFileSync(tarball, join(context, basename(tarball)));
  const build = [
    'build',
    '--format',
    'docker',
    '--network',
    'host',
    // This machine's CA bundle for npm, behind a TLS-inspecting egress (a build argument: not in the image).
    '--volume',
    '/etc/ssl/certs:/etc/ssl/certs:ro',
    '--build-arg',
    'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
    '--build-arg',
    `BASE=${baseImage}`,
    '--file',
    join(ROOT, 'Containerfile'),
    '--tag',
    IMAGE,
    context,
  ];
  console.log(`$ podman ${[...PODMAN, ...build].join(' ')}`);
  const building = performance.now();
  try {
    await podman(build, 600_000);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  const size = Number((await podman(['image', 'inspect', '--format', '{{.Size}}', IMAGE])).stdout.trim());
  console.log(
    `image ${IMAGE} built in ${Math.round(performance.now() - building)} ms: ${(size / 1e6).toFixed(1)} MB ` +
      `(${size} bytes; base ${baseImage})`,
  );
  await podman(['volume', 'create', VOLUME]);
  volumePath = (await podman(['volume', 'inspect', '--format', '{{.Mountpoint}}', VOLUME])).stdout.trim();
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await runContainer();
}, 900_000);

afterAll(async () => {
  if (problem !== undefined) return;
  await podman(['rm', '--force', CONTAINER]).catch(() => undefined);
  await podman(['volume', 'rm', '--force', VOLUME]).catch(() => undefined);
});

describe('the container image (podman)', () => {
  it('runs as a non-root user, with its HEALTHCHECK, its volume and its port', async (context) => {
    if (problem !== undefined) return context.skip();
    const { stdout } = await podman([
      'image',
      'inspect',
      '--format',
      '{{.Config.User}} {{json .Config.Volumes}} {{json .Config.ExposedPorts}} {{json .Config.Healthcheck.Test}}',
      IMAGE,
    ]);
    console.log(`image config: ${stdout.trim()}`);
    expect(stdout).toMatch(/^10001:10001 \{"\/data":\{\}\} \{"8080\/tcp":\{\}\} \["CMD","node","-e",/);
    const id = await podman(['exec', CONTAINER, 'id', '-u']);
    expect(id.stdout.trim()).toBe('10001');
    // The HEALTHCHECK itself, run now (podman schedules it with systemd timers, which this machine has not).
    await podman(['healthcheck', 'run', CONTAINER]);
  });

  it('passes the four documented flows, then again in a new container on the same volume', async (context) => {
    if (problem !== undefined) return context.skip();
    await fourFlows();
    const { stdout } = await podman([
      'exec',
      CONTAINER,
      'payauth',
      'credentials',
      'create',
      'hmac',
      '--store',
      '/data/payauth.db',
      '--partner',
      'acme',
      '--json',
    ]);
    created = JSON.parse(stdout) as { accessKey: string; secretKey: string };
    expect(await createdCredentialCall()).toBe(200);
    const pfx = readFileSync(join(volumePath, 'payauth-demo', 'emoney-client.pfx'));

    // SIGTERM reaches node (exec form, PID 1): it drains and exits 0. Then a new container on the same volume.
    expect(await stopContainer()).toBe(0);
    await runContainer();
    expect(readFileSync(join(volumePath, 'payauth-demo', 'emoney-client.pfx'))).toEqual(pfx);
    await fourFlows();
    expect(await createdCredentialCall()).toBe(200);
  });
});
