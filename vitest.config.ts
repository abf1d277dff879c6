import { defineConfig } from 'vitest/config';

// One runner for the whole monorepo. Unit tests (*.test.ts) and integration tests
// (*.int.test.ts) of every project run two files at a time; the end-to-end suites that start
// the five apps as processes (tools/run-local) run one file at a time, so that two gateways
// never fight for this 2-core machine. Integration tests share the machine's Redis: each test
// file uses its own key prefix (libs/testing).
const e2e = ['tools/run-local/src/*.int.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit-integration',
          include: ['apps/*/src/**/*.test.ts', 'libs/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts'],
          exclude: e2e,
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        // REDIS_CLUSTER=1: the whole suite on a 3-shard Redis Cluster it starts (libs/testing).
        test: { name: 'end-to-end', include: e2e, maxWorkers: 1, fileParallelism: false, globalSetup: ['libs/testing/src/redis-cluster-setup.ts'] },
      },
    ],
  },
});
