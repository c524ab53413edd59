// payauth benchmarks: `npm run bench` (every group) or `npm run bench -- <group> [<group> …]`.
// Groups: crypto, guards, tokens, client, memory, adapters (and, when named: replay, profiles, multicore, loop).
// Results: bench/results/<date>-<group>.json and a Markdown table.
// Saturated figures are driven by wrk (installed with apt-get when missing and run as root; otherwise explained) with
// the server pinned to core 0 and wrk to core 1; beside each: the server's share of its core (a req/s ratio counts
// only when both sides had the server ≥ 95 % busy) and its CPU µs per request.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Row } from './groups/crypto.ts';
import { pinned, ROOT } from './lib/processes.ts';
import type { SaturatedFacts } from './lib/saturation.ts';
import { table } from './lib/stats.ts';

const pct = (share: number) => `${Math.round(share * 100)} %`;

const groups: Record<string, () => Promise<Row[]>> = {
  crypto: async () => (await import('./groups/crypto.ts')).runCrypto(),
  guards: async () => (await import('./groups/guards.ts')).runGuards(),
  tokens: async () => (await import('./groups/tokens.ts')).runTokens(),
  client: async () => (await import('./groups/client.ts')).runClient(),
  memory: async () => (await import('./groups/memory.ts')).runMemory(),
  replay: async () => (await import('./groups/replay.ts')).runReplay(),
  profiles: async () => (await import('./groups/profiles.ts')).runProfiles(),
  adapters: async () => (await import('./groups/adapters.ts')).runAdapters(),
  multicore: async () => (await import('./groups/multicore.ts')).runMulticore(),
  loop: async () => (await import('./groups/loop.ts')).runLoop(),
};
/** Groups that `npm run bench` without names leaves out (long, or comparing branches). */
const optional = new Set(['replay', 'profiles', 'multicore', 'loop']);

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = requested.filter((name) => !(name in groups));
if (unknown.length > 0) {
  console.error(`unknown group ${unknown.join(', ')}; groups: ${Object.keys(groups).join(', ')}`);
  process.exit(2);
}
const names = requested.length > 0 ? requested : Object.keys(groups).filter((name) => !optional.has(name));
// BENCH_LABEL names a variant of one group's results (e.g. replay before/after a fix): <date>-<group>-<label>.json.
const label = process.env.BENCH_LABEL ? `-${process.env.BENCH_LABEL.replace(/[^a-z0-9-]/gi, '')}` : '';
const versions = (name: string) => {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'))
      .version as string;
  } catch {
    return 'absent';
  }
};
const wrkVersion = (() => {
  try {
    return execFileSync('wrk', ['--version'], { stdio: 'pipe' }).toString().split('\n')[0];
  } catch (error) {
    // wrk prints its version with its usage and exits 1; absent, the spawn fails with ENOENT.
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    return output.split('\n')[0] || 'absent';
  }
})();
const machine = {
  wrk: wrkVersion,
  cpus: cpus().length,
  model: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  openssl: process.versions.openssl,
  pinnedToSeparateCores: pinned,
  peers: Object.fromEntries(
    [
      'fastify',
      'express',
      'hono',
      '@hono/node-server',
      'jose',
      'fast-jwt',
      'oidc-provider',
      'openid-client',
      'autocannon',
    ].map((n) => [n, versions(n)]),
  ),
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const date = new Date().toISOString().slice(0, 10);
for (const name of names) {
  const started = Date.now();
  console.log(`\n## ${name}\n`);
  const rows = await groups[name]!();
  console.log(
    table(
      ['measure', 'payauth', 'baseline', 'ratio', 'server CPU', 'CPU µs/req (ratio)', 'goal', 'met'],
      rows.map((r) => {
        const facts = r as Partial<SaturatedFacts>;
        return [
          r.name,
          `${r.value.toLocaleString('en')} ${r.unit}`,
          `${r.baseline.toLocaleString('en')} ${r.unit}`,
          r.ratio.toFixed(2),
          facts.serverCpu
            ? `${pct(facts.serverCpu.value)} / ${pct(facts.serverCpu.baseline)}${facts.counts ? '' : ' (< 95 %: not saturated, does not count)'}${facts.busyMachine ? ' (busy machine)' : ''}`
            : '',
          facts.cpuPerRequest
            ? `${facts.cpuPerRequest.value} / ${facts.cpuPerRequest.baseline} (${facts.cpuPerRequest.ratio.toFixed(2)}${facts.cpuPerRequest.paired === undefined ? '' : `; paired ${facts.cpuPerRequest.paired.toFixed(2)}`})`
            : '',
          r.goal ?? '',
          r.met === undefined ? '' : r.met ? 'yes' : 'NO',
        ];
      }),
    ),
  );
  const file = join(ROOT, 'bench', 'results', `${date}-${name}${label}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ group: name, date: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000), machine, rows }, null, 2)}\n`,
  );
  console.log(
    `\n(${Math.round((Date.now() - started) / 1000)} s; raw samples in ${file.slice(ROOT.length)})`,
  );
}
