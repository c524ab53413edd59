import { defineConfig } from 'vitest/config';

/**
 * The export condition under which `@payauth/*` resolve to their TypeScript sources (`src/*.ts`) rather than the
 * build (`dist/*.js`): the tests run the sources without a build. test/consumer/ runs what ships.
 */
const SOURCE_CONDITION = 'payauth-source';

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
