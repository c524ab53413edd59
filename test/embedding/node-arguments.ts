import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/servers.ts';

/**
 * The `--conditions` a child Node process needs to run the workspace's TypeScript sources: `payauth-source` once the
 * packages' `exports` name that condition (sources beside a build), nothing while they point at `src/*.ts` directly.
 */
export function sourceConditions(): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'packages/server/package.json'), 'utf8')) as {
    exports: Record<string, unknown>;
  };
  const root = manifest.exports['.'];
  return root !== null && typeof root === 'object' && 'payauth-source' in root
    ? ['--conditions=payauth-source']
    : [];
}
