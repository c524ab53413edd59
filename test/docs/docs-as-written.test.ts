import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT } from '../support/servers.ts';
import { createDatabase, REDIS_URL } from '../support/services.ts';

// Docs are tests (CONVENTIONS.md 14): every ```sh / ```bash / ```shell block of README.md and docs/**/*.md runs here,
// command by command, as a reader would type it from the repository root, against a sandbox this test starts with
// `npx payauth serve --demo` (what `npm start` runs). Nothing in the docs is edited to make them run: the few values a
// reader has and the test does not (the sandbox's port, a server's own folder, a database host) are replaced from the
// table below. A block whose fence info says `illustrative` (```sh illustrative) is not run, and is counted. A block
// whose fence info says `runtime` (```sh runtime, in docs/runtimes.md) needs Bun, Deno or a Workers runtime, which
// this test does not have: test/runtimes/matrix.test.ts runs it there, with the runtimes of its matrix.
//
// How a block runs: lines joined on a trailing backslash (exactly as the shell does: `\  # comment` ends the command),
// comment-only lines dropped; each command runs in `bash` in a scratch folder that looks like the repository root
// (package.json, .npmrc, node_modules and docs linked), with the reader's PATH (no node_modules/.bin: `npx` finds the
// repository's binaries itself, on the system Node). `export NAME=…` lines set NAME for the rest of the block. A
// command that starts a server (`payauth serve`) must print its listening line; it is then stopped (SIGTERM). Any
// other command must exit 0 — `payauth doctor` may exit 1, its verdict on a header — within a minute. curl runs with
// `--fail-with-body` (from a .curlrc), so an HTTP error fails the command.
//
// Shown output is checked too: a ```text output block right after a shell block (blank lines between at most) must be
// what the block's last command printed (line ends trimmed). PAYAUTH_DOCS_WRITE=1 writes the real output into the
// block instead (docs/rehearsal.md's `payauth rehearse` table is produced this way).

/**
 * Variables the docs ask the reader to set (docs/admin.md: `PAYAUTH_URL`, `PAYAUTH_ADMIN_TOKEN`): the sandbox's URL,
 * and the admin token it was started with.
 */
function readerVariables(sandboxPort: number): Record<string, string> {
  return { PAYAUTH_URL: `http://127.0.0.1:${sandboxPort}`, PAYAUTH_ADMIN_TOKEN: ADMIN_TOKEN };
}

/** The sandbox's admin token (docs/admin.md makes one with `openssl rand -hex 24`). */
const ADMIN_TOKEN = 'docs-test-admin-token-0123456789abcdef';

/** What the reader has and the test does not: text in a block → the value used here. */
function placeholders(context: {
  sandboxPort: number;
  serverFolder: string;
  postgresUrl: string;
  revocable: string;
}) {
  return [
    ['127.0.0.1:8080', `127.0.0.1:${context.sandboxPort}`],
    ['/var/lib/payauth', context.serverFolder],
    ['postgres://payauth@db.internal/payauth', context.postgresUrl],
    ['redis://cache.internal:6379', REDIS_URL],
    ['<id-or-public-id>', context.revocable],
  ] as const;
}

interface Block {
  readonly file: string;
  readonly line: number;
  readonly info: string;
  readonly text: string;
  /** The ```text output block that follows it: what its last command prints. */
  readonly output?: string;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name))
    .sort();
  return ['README.md', ...docs];
}

/** The fenced blocks of a Markdown file whose language is sh, bash or shell (CommonMark fences: a block closes on a
 * fence at least as long as the one that opened it, so a ```sh shown inside a ````md block is not taken for one). */
function shellBlocks(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^(`{3,})\s*([^`]*)$/.exec(lines[index]!);
    if (!open) continue;
    const fence = open[1]!;
    const end = lines.findIndex((line, at) => {
      const close = /^(`{3,})\s*$/.exec(line);
      return at > index && close !== null && close[1]!.length >= fence.length;
    });
    if (end < 0) throw new Error(`${file}:${index + 1}: unclosed code block`);
    const [language = '', ...info] = open[2]!.trim().split(/\s+/);
    if (['sh', 'bash', 'shell'].includes(language)) {
      let next = end + 1;
      while (next < lines.length && lines[next]!.trim() === '') next++;
      let output: string | undefined;
      if (/^```text\s+output\s*$/.test(lines[next] ?? '')) {
        const close = lines.findIndex((line, at) => at > next && /^```\s*$/.test(line));
        if (close < 0) throw new Error(`${file}:${next + 1}: unclosed output block`);
        output = lines.slice(next + 1, close).join('\n');
      }
      blocks.push({
        file,
        line: index + 1,
        info: info.join(' '),
        text: lines.slice(index + 1, end).join('\n'),
        ...(output === undefined ? {} : { output }),
      });
    }
    index = end;
  }
  return blocks;
}

/** The commands of a block, as the shell splits them: a trailing backslash continues the line, `#` lines are dropped. */
function splitCommands(text: string): string[] {
  const commands: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (current === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)}`;
      continue;
    }
    commands.push(current + line);
    current = '';
  }
  if (current !== '') commands.push(current);
  return commands;
}

const blocks = markdownFiles().flatMap(shellBlocks);
const runnable = blocks.filter((block) => !/\b(illustrative|runtime)\b/.test(block.info));
const skipped = blocks.filter((block) => /\billustrative\b/.test(block.info));

let scratch: string;
let sandbox: ChildProcess | undefined;
let sandboxPort: number;
let environment: NodeJS.ProcessEnv;
let database: { url: string; drop: () => Promise<void> };
/** The databases made for single blocks (dropped at the end). */
const databases: Array<{ drop: () => Promise<void> }> = [];
let revocable: string;
const ran: string[] = [];

function readerPath(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !entry.includes('node_modules'))
    .join(delimiter);
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runShell(command: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], {
      cwd: scratch,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const outcome: Outcome = { code: null, stdout: '', stderr: '' };
    child.stdout!.on('data', (chunk: Buffer) => {
      outcome.stdout += chunk.toString('utf8');
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      outcome.stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => stopGroup(child), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      outcome.code = code;
      resolve(outcome);
    });
  });
}

function stopGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {}
}

/** Starts a command that serves; resolves once it printed its listening line, with its exit code after SIGTERM. */
function runServer(command: string, env: NodeJS.ProcessEnv): Promise<Outcome & { listened: boolean }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], {
      cwd: scratch,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const outcome = { code: null as number | null, stdout: '', stderr: '', listened: false };
    const timer = setTimeout(() => stopGroup(child, 'SIGKILL'), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      outcome.stdout += chunk.toString('utf8');
      if (!outcome.listened && /listening on http:\/\/\S+:\d+/.test(outcome.stdout)) {
        outcome.listened = true;
        stopGroup(child);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      outcome.stderr += chunk.toString('utf8');
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      outcome.code = code;
      resolve(outcome);
    });
  });
}

function startsServer(command: string): boolean {
  return /\bpayauth serve\b|\bnpm (run )?start\b/.test(command);
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'payauth-docs-'));
  for (const name of ['package.json', '.npmrc', 'node_modules', 'docs'])
    symlinkSync(join(ROOT, name), join(scratch, name));
  mkdirSync(join(scratch, 'curl'));
  writeFileSync(join(scratch, 'curl', '.curlrc'), '--fail-with-body\n');
  environment = {
    ...process.env,
    PATH: readerPath(),
    CURL_HOME: join(scratch, 'curl'),
    npm_config_update_notifier: 'false',
  };
  for (const name of Object.keys(environment)) {
    if (name.startsWith('VITEST') || name === 'NODE_OPTIONS') delete environment[name];
  }
  delete environment.PAYAUTH_MASTER_KEY;
  delete environment.PAYAUTH_BASE_URL;
  database = await createDatabase();
  sandboxPort = await freePort();
  // docs/examples read PAYAUTH_BASE_URL, the sandbox's URL (their default is http://127.0.0.1:8080).
  environment.PAYAUTH_BASE_URL = `http://127.0.0.1:${sandboxPort}`;
  Object.assign(environment, readerVariables(sandboxPort));
  // The sandbox of `npm start`, with the admin API and /metrics on (docs/admin.md).
  sandbox = spawn(
    'bash',
    ['-c', `npx payauth serve --demo --metrics --port ${sandboxPort} --store ./payauth.db`],
    {
      cwd: scratch,
      env: environment,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sandbox did not start: ${output}`)), 60_000);
    sandbox!.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes(`http://127.0.0.1:${sandboxPort}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    sandbox!.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    sandbox!.once('exit', () => reject(new Error(`the sandbox exited: ${output}`)));
  });
  // A file a reader would have: the partner's certificate of docs/server.md (`--cert acme.pem`).
  copyFileSync(join(scratch, 'payauth-demo', 'emoney-client-cert.pem'), join(scratch, 'acme.pem'));
  const created = await runShell(
    'npx payauth credentials create hmac --store ./payauth.db --partner docs --json',
    environment,
  );
  expect(created.code, created.stderr).toBe(0);
  revocable = JSON.parse(created.stdout).accessKey;
}, 120_000);

afterAll(async () => {
  if (sandbox) {
    stopGroup(sandbox);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await database?.drop();
  for (const each of databases) await each.drop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  const message = `docs as written: ${runnable.length} blocks run (${ran.length} commands), ${skipped.length} illustrative blocks skipped (${skipped.map((block) => `${block.file}:${block.line}`).join(', ') || 'none'})`;
  console.log(message);
});

describe('every shell block of README.md and docs/ runs as written', () => {
  it('finds the blocks; illustrative ones are few (at most a quarter)', () => {
    expect(runnable.length).toBeGreaterThan(0);
    expect(skipped.length * 4).toBeLessThanOrEqual(blocks.length);
  });

  for (const [index, block] of runnable.entries()) {
    it(`${block.file}:${block.line}`, { timeout: 300_000 }, async () => {
      const serverFolder = join(scratch, 'server', String(index), 'var-lib-payauth');
      mkdirSync(serverFolder, { recursive: true });
      let text = block.text;
      // A block that names the database gets an empty one of its own, as a reader who runs only that block has: each
      // such block makes its own master key, which would not open what another block's key sealed.
      const own = text.includes('postgres://payauth@db.internal/payauth')
        ? await createDatabase()
        : undefined;
      if (own) databases.push(own);
      for (const [from, to] of placeholders({
        sandboxPort,
        serverFolder,
        postgresUrl: (own ?? database).url,
        revocable,
      })) {
        text = text.replaceAll(from, to);
      }
      const env = { ...environment };
      let lastOutput = '';
      for (const written of splitCommands(text)) {
        // A server of the docs' own (`--port 8080`) gets a free port: the sandbox or another test may hold 8080.
        const command = written.replace(/--port 8080\b/g, `--port ${await freePort()}`);
        const where = `${block.file}:${block.line}: ${written.slice(0, 160)}`;
        ran.push(where);
        const exported = /^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=/.exec(command);
        if (exported) {
          const name = exported[1]!;
          const result = await runShell(`${command}\nprintf %s "$${name}"`, env);
          expect(result.code, `${where}\n${result.stderr}`).toBe(0);
          env[name] = result.stdout;
          continue;
        }
        if (startsServer(command)) {
          const result = await runServer(command, env);
          expect(result.listened, `${where}\n${result.stderr}${result.stdout}`).toBe(true);
          // Stopped: its exit code is npm's answer to the signal (serve's own drain-and-exit-0 is test/server's).
          expect(result.stderr, where).not.toMatch(/unknown option|too many arguments|command not found/);
          continue;
        }
        const result = await runShell(command, env);
        lastOutput = result.stdout;
        const allowed = /\bpayauth doctor\b/.test(command) ? [0, 1] : [0];
        expect(allowed, `${where}\nexit ${result.code}\n${result.stderr}${result.stdout}`).toContain(
          result.code,
        );
        expect(result.stderr, where).not.toMatch(
          /unknown option|too many arguments|command not found|error: required/,
        );
      }
      if (block.output !== undefined) {
        const shown = (text: string) =>
          text
            .split('\n')
            .map((line) => line.trimEnd())
            .join('\n')
            .trim();
        if (process.env.PAYAUTH_DOCS_WRITE === '1') {
          const path = join(ROOT, block.file);
          const markdown = readFileSync(path, 'utf8');
          writeFileSync(
            path,
            markdown.replace(
              `\`\`\`text output\n${block.output}\n\`\`\``,
              `\`\`\`text output\n${shown(lastOutput)}\n\`\`\``,
            ),
          );
        } else {
          expect(shown(lastOutput), `${block.file}:${block.line}: the output shown after this block`).toBe(
            shown(block.output),
          );
        }
      }
    });
  }
});
