// No import cycle in packages/*/src (CONVENTIONS.md: arrows in one direction, inside a package too). madge walks the
// imports of every source file, type-only imports included: a cycle of types alone still ties the files together.
import { join } from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('the import graph of packages/*/src', () => {
  it('has no cycle', async () => {
    const graph = await madge(
      ['core', 'client', 'server', 'cli'].map((name) => join(root, 'packages', name, 'src')),
      {
        fileExtensions: ['ts'],
        excludeRegExp: [/\.test\.ts$/, /\.d\.ts$/],
        tsConfig: join(root, 'tsconfig.json'),
        detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
      },
    );
    expect(Object.keys(graph.obj()).length).toBeGreaterThan(100);
    expect(graph.circular()).toEqual([]);
  });
});
