import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from './cpu.ts';
import { ROOT } from './processes.ts';

/** One request of a wrk pool: wrk sends the pool's requests in turn. */
export interface PooledRequest {
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** One wrk run's summary. Latencies in µs. */
export interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  p50Us: number;
  p99Us: number;
  non2xx: number;
  errors: number;
  /** CPU seconds wrk itself used (read while it ran: a lower bound). */
  loadCpuSeconds: number;
}

let checked = false;

/**
 * Makes sure Debian's `wrk` is there: installs it with apt-get when running as root on a Debian-like machine,
 * otherwise explains what to install and exits.
 */
export function ensureWrk(): void {
  if (checked) return;
  const present = () => {
    try {
      execFileSync('wrk', ['--version'], { stdio: 'ignore' });
      return true;
    } catch (error) {
      // `wrk --version` prints its usage and exits 1: it is there. ENOENT means it is not.
      return (error as NodeJS.ErrnoException).code !== 'ENOENT';
    }
  };
  if (!present() && process.getuid?.() === 0 && process.env.BENCH_INSTALL_WRK !== '0') {
    console.error('wrk is missing: installing it (apt-get install -y wrk; BENCH_INSTALL_WRK=0 to refuse)');
    try {
      execFileSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit' });
    } catch {
      execFileSync('sh', ['-c', 'apt-get update && apt-get install -y wrk'], { stdio: 'inherit' });
    }
  }
  if (!present()) {
    console.error(
      'The guards, tokens and adapters groups drive the load with wrk (a Node load generator cannot outrun one Node ' +
        'server core). Install it (Debian/Ubuntu: apt-get install -y wrk; macOS: brew install wrk) and run again.',
    );
    process.exit(2);
  }
  checked = true;
}

function luaString(text: string): string {
  // A long bracket that cannot occur in the text.
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

/** Writes a pool of requests as a Lua file for bench/load/rotate.lua; returns its path and a remover. */
export function writePool(pool: readonly PooledRequest[]): { path: string; remove: () => void } {
  const directory = mkdtempSync(join(tmpdir(), 'payauth-wrk-'));
  const path = join(directory, 'pool.lua');
  const entries = pool.map((entry) => {
    const headers = Object.entries(entry.headers ?? {})
      .map(([name, value]) => `[ ${luaString(name)} ] = ${luaString(value)}`)
      .join(', ');
    return `{ method = "${entry.method ?? 'GET'}", path = ${luaString(entry.path)}, headers = { ${headers} }${
      entry.body === undefined ? '' : `, body = ${luaString(entry.body)}`
    } }`;
  });
  writeFileSync(path, `return {\n${entries.join(',\n')}\n}\n`);
  return { path, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

/**
 * Runs wrk (one thread, pinned to `core` — or a list such as '0,1' — with taskset) against `base` for `seconds`, rotating through `pool`.
 * Bounded: wrk stops by itself after the duration; the child is killed if it overruns by 30 s.
 */
export async function runWrk(
  base: string,
  pool: readonly PooledRequest[],
  options: { seconds: number; connections?: number; core?: number | string },
): Promise<WrkResult> {
  ensureWrk();
  const url = new URL(base);
  if (url.hostname !== '127.0.0.1') throw new Error('the benchmarks load 127.0.0.1 only');
  const file = writePool(pool);
  try {
    const args = [
      '-c',
      String(options.core ?? 1),
      'wrk',
      '-t1',
      `-c${options.connections ?? 50}`,
      `-d${options.seconds}s`,
      '--timeout',
      '5s',
      '-s',
      `${ROOT}bench/load/rotate.lua`,
      url.origin,
      '--',
      file.path,
    ];
    let loadCpuSeconds = 0;
    const output = await new Promise<string>((resolve, reject) => {
      // taskset execs wrk: the child's pid is wrk's.
      const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const sampler = setInterval(() => {
        loadCpuSeconds = Math.max(loadCpuSeconds, cpuSeconds(child.pid!) ?? 0);
      }, 200);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const guard = setTimeout(() => child.kill('SIGKILL'), (options.seconds + 30) * 1000);
      child.on('exit', (code) => {
        clearTimeout(guard);
        clearInterval(sampler);
        if (code === 0) resolve(stdout);
        else reject(new Error(`wrk exited ${code}: ${stderr.slice(0, 500)}`));
      });
    });
    const line = output.split('\n').find((l) => l.startsWith('WRK-JSON '));
    if (!line) throw new Error(`wrk printed no summary: ${output.slice(0, 500)}`);
    const summary = JSON.parse(line.slice('WRK-JSON '.length)) as {
      requests: number;
      durationUs: number;
      non2xx: number;
      connectErrors: number;
      readErrors: number;
      writeErrors: number;
      timeouts: number;
      p50Us: number;
      p99Us: number;
    };
    return {
      requests: summary.requests,
      requestsPerSecond: summary.requests / (summary.durationUs / 1e6),
      p50Us: summary.p50Us,
      p99Us: summary.p99Us,
      non2xx: summary.non2xx,
      errors: summary.connectErrors + summary.readErrors + summary.writeErrors + summary.timeouts,
      loadCpuSeconds,
    };
  } finally {
    file.remove();
  }
}
