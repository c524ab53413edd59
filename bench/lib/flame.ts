// Reads a V8 .cpuprofile (node --cpu-prof), keeps the samples inside a time window, sorts each busy sample into one
// of the hot-path categories, and renders a flame graph as a self-contained SVG (no dependency).

/** A V8 CPU profile as written by `node --cpu-prof`. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The categories of the breakdown, in the order of the table. */
export const CATEGORIES = [
  'HTTP floor',
  'socket write',
  'parsing',
  'store/state',
  'crypto',
  'audit',
  'response',
  'payauth other',
  'GC',
] as const;
export type Category = (typeof CATEGORIES)[number];

const COLOURS: Record<Category, string> = {
  'HTTP floor': '#c9c9c9',
  'socket write': '#9a9a9a',
  parsing: '#f2c14e',
  'store/state': '#7fb7be',
  crypto: '#d1495b',
  audit: '#8f5e99',
  response: '#66a182',
  'payauth other': '#edae49',
  GC: '#555555',
};

type Frame = CpuProfile['nodes'][number]['callFrame'];

const CRYPTO_NATIVE = new Set([
  'digest',
  'update',
  'sign',
  'verify',
  'timingSafeEqual',
  'hash',
  'oneShotDigest',
  'Hmac',
  'createHmac',
  'signOneShot',
  'verifyOneShot',
  'randomBytes',
  'randomFillSync',
]);
const PARSING = /^(parse|decode|singleHeader$|JSON\.parse|URLSearchParams)|parse[A-Z]|Parse/;
// The socket write is the send(2) on loopback: the kernel's TCP for both ends runs inside it. Part of the HTTP floor,
// shown apart because it is the largest single item.
const SOCKET_WRITE = new Set(['writeUtf8String', 'writeLatin1String', 'writev', 'writeBuffer']);

/** The category of one frame, or undefined when the frame says nothing (the next frame towards the root decides). */
function categoryOf(frame: Frame): Category | undefined {
  const { functionName: name, url } = frame;
  if (name === '(garbage collector)') return 'GC';
  if (
    url.startsWith('node:internal/crypto') ||
    url === 'node:crypto' ||
    (url === '' && CRYPTO_NATIVE.has(name))
  )
    return 'crypto';
  if (url.includes('/server/src/audit/')) return 'audit';
  if (
    url.includes('/server/src/state/') ||
    url.includes('/server/src/store/') ||
    url.includes('/credentials/resolver') ||
    url.includes('/guards/failure-budget')
  )
    return 'store/state';
  if (PARSING.test(name) && !url.includes('fastify') && !url.includes('_http_')) return 'parsing';
  if (url === '' && SOCKET_WRITE.has(name)) return 'socket write';
  if (
    name === 'writeHead' ||
    url.includes('_http_outgoing') ||
    url.includes('fastify/lib/reply') ||
    url.includes('fast-json-stringify') ||
    name === 'jsonResponse'
  )
    return 'response';
  if (url.includes('/packages/') || url.includes('/bench/servers/')) return 'payauth other';
  return undefined;
}

/** Busy samples per category within [from, to] (µs on the profile's clock; whole profile when absent). */
export function breakdown(
  profile: CpuProfile,
  window?: { from: number; to: number },
): { samples: Record<Category, number>; total: number; kept: number[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const memo = new Map<number, Category>();
  const classify = (id: number): Category => {
    const known = memo.get(id);
    if (known) return known;
    let current: number | undefined = id;
    let found: Category = 'HTTP floor';
    while (current !== undefined) {
      const category = categoryOf(byId.get(current)!.callFrame);
      if (category) {
        found = category;
        break;
      }
      current = parent.get(current);
    }
    memo.set(id, found);
    return found;
  };
  const samples = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const kept: number[] = [];
  let time = profile.startTime;
  let total = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    time += profile.timeDeltas[index]!;
    if (window && (time < window.from || time > window.to)) continue;
    const id = profile.samples[index]!;
    const name = byId.get(id)!.callFrame.functionName;
    if (name === '(idle)' || name === '(program)' || name === '(root)') {
      // (program) is V8 outside any JS frame (mostly libuv and the kernel calls of the event loop): HTTP floor,
      // counted but not drawn as a tower of its own.
      if (name === '(program)') {
        samples['HTTP floor']++;
        total++;
      }
      continue;
    }
    samples[classify(id)]++;
    total++;
    kept.push(id);
  }
  return { samples, total, kept };
}

interface Tree {
  name: string;
  category: Category;
  value: number;
  children: Map<string, Tree>;
}

/** Renders the kept samples as a flame graph SVG (root at the bottom, width ∝ samples, colour = category). */
export function flameGraph(profile: CpuProfile, kept: number[], title: string): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const root: Tree = { name: 'all', category: 'HTTP floor', value: 0, children: new Map() };
  for (const id of kept) {
    const stack: Frame[] = [];
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)!.callFrame;
      if (frame.functionName !== '(root)') stack.push(frame);
    }
    stack.reverse();
    root.value++;
    let node = root;
    let inherited: Category = 'HTTP floor';
    for (const frame of stack) {
      inherited = categoryOf(frame) ?? inherited;
      const file = frame.url.split('/').slice(-2).join('/');
      const name = `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
      let child = node.children.get(name);
      if (!child) {
        child = { name, category: inherited, value: 0, children: new Map() };
        node.children.set(name, child);
      }
      child.value++;
      node = child;
    }
  }
  const width = 1200;
  const row = 16;
  let depth = 0;
  const measure = (node: Tree, level: number) => {
    depth = Math.max(depth, level);
    for (const child of node.children.values()) measure(child, level + 1);
  };
  measure(root, 0);
  const height = (depth + 1) * row + 60;
  const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const rects: string[] = [];
  const draw = (node: Tree, x: number, level: number) => {
    const w = (node.value / root.value) * (width - 20);
    if (w < 0.3) return;
    const y = height - 40 - (level + 1) * row;
    const share = ((node.value / root.value) * 100).toFixed(1);
    const label = w > 40 ? escapeXml(node.name).slice(0, Math.floor(w / 6.5)) : '';
    rects.push(
      `<g><title>${escapeXml(node.name)} — ${share} % (${node.category})</title><rect x="${(x + 10).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${row - 1}" fill="${COLOURS[node.category]}" rx="1"/>${label ? `<text x="${(x + 13).toFixed(1)}" y="${y + 11}">${label}</text>` : ''}</g>`,
    );
    let offset = x;
    for (const child of [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      draw(child, offset, level + 1);
      offset += (child.value / root.value) * (width - 20);
    }
  };
  draw(root, 0, 0);
  const legend = CATEGORIES.map(
    (c, index) =>
      `<rect x="${10 + index * 130}" y="${height - 22}" width="12" height="12" fill="${COLOURS[c]}"/><text x="${26 + index * 130}" y="${height - 12}">${c}</text>`,
  ).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">
<title>${escapeXml(title)}</title>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="10" y="16" font-size="14">${escapeXml(title)}</text>
${rects.join('\n')}
${legend}
</svg>
`;
}
