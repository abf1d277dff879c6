import { defineConfig } from 'vitest/config';

// One runner for the whole monorepo: unit tests (*.test.ts) and integration tests
// (*.int.test.ts) of every project. Integration tests share the machine's Redis, so each
// test file uses its own key prefix (libs/testing) and files run in a bounded pool.
export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'libs/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
