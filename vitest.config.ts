import { defineConfig } from 'vitest/config';

/**
 * The export condition under which `@payauth/*` resolve to their TypeScript sources (`src/*.ts`) rather than the
 * build (`dist/*.js`): the tests run the sources without a build. test/consumer/ runs what ships.
 */
const SOURCE_CONDITION = 'payauth-source';

/** Node processes the tests spawn (the CLI, docs/examples, fleet workers) resolve the sources too. */
const NODE_OPTIONS = [process.env.NODE_OPTIONS, `--conditions=${SOURCE_CONDITION}`].filter(Boolean).join(' ');

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] },
  // Vitest also hands these to Node (`--conditions`) for what Node loads itself: no 'module' there, which would make
  // Node load bundler-only builds (@opentelemetry/api's: extension-less imports, which Node refuses).
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'node', 'development|production'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    env: { NODE_OPTIONS },
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
