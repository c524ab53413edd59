// Prints the functions with the most self time in a `.cpuprofile` (and, with --total, the most inclusive time):
// `node bench/lib/top.ts /tmp/prof/hmac-guard.cpuprofile [--total] [count]`.
import { readFileSync } from 'node:fs';
import type { CpuProfile } from './flame.ts';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/lib/top.ts <file.cpuprofile> [--total] [count]');
  process.exit(2);
}
const inclusive = rest.includes('--total');
const count = Number(rest.find((arg) => /^\d+$/.test(arg)) ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const label = (id: number) => {
  const frame = byId.get(id)!.callFrame;
  const where = frame.url
    ? `${frame.url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${frame.lineNumber + 1}`
    : '';
  return `${frame.functionName || '(anonymous)'} ${where}`.trim();
};
const hits = new Map<string, number>();
for (const sample of profile.samples) {
  if (!inclusive) {
    const key = label(sample);
    hits.set(key, (hits.get(key) ?? 0) + 1);
    continue;
  }
  const seen = new Set<string>();
  for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) seen.add(label(id));
  for (const key of seen) hits.set(key, (hits.get(key) ?? 0) + 1);
}
const total = profile.samples.length;
for (const [key, value] of [...hits].sort((a, b) => b[1] - a[1]).slice(0, count))
  console.log(`${((value / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
