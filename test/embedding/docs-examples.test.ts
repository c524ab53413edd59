import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/servers.ts';
import { sourceConditions } from './node-arguments.ts';

// docs/embedding.md's examples run exactly as written: every ```ts block (those marked ```ts illustrative are not
// programs) is written to a file inside the repository, so that its imports resolve as in a project with the
// packages installed, and run with the pinned Node 24. Each example starts a server on a free port, calls it once
// and prints the answer, which names partner "acme".

const run = promisify(execFile);
const markdown = readFileSync(join(ROOT, 'docs/embedding.md'), 'utf8');
const blocks = [...markdown.matchAll(/^### (.+)\n[\s\S]*?^```ts\n([\s\S]*?)^```$/gm)].map((match) => ({
  heading: match[1]!,
  code: match[2]!,
}));
// Outside node_modules (Node strips types only there), and removed afterwards.
const directory = mkdtempSync(join(ROOT, '.embedding-examples-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('docs/embedding.md: each example runs as written', () => {
  it('has the four frameworks', () => {
    expect(blocks.map((block) => block.heading.split(' ')[0])).toEqual([
      'Express',
      'Hono',
      'Fastify',
      'fetch',
    ]);
    const runnable = [...markdown.matchAll(/^```ts\n/gm)].length;
    expect(runnable, 'every runnable block is under one of the four headings').toBe(blocks.length);
  });

  it.each(blocks)('$heading', async ({ heading, code }) => {
    const file = join(directory, `${heading.split(' ')[0]!.toLowerCase()}.ts`);
    writeFileSync(file, code);
    const { stdout, stderr } = await run(process.execPath, [...sourceConditions(), file], {
      cwd: directory,
      timeout: 30_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(stderr).toBe('');
    expect(stdout).toMatch(/partner: 'acme'/);
  });
});
