import { afterAll, beforeAll } from 'vitest';
import { redisClusterEnv } from '@smsgw/testing';

/**
 * The policy-worker's Redis suites run again on a 3-shard Redis Cluster started here (see
 * libs/redis/src/cluster.int.test.ts): the concat-group scripts (which touch group keys they
 * read from a sorted set: sound only while those share the client's hash tag), the deferred
 * queue's lease script and the policy handler (the MCP's own suite runs in libs/redis).
 */
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => void (stop = await redisClusterEnv()), 60_000);
afterAll(() => stop?.());

await import('./concat-groups.int.test');
await import('./policy-handler.int.test');
await import('./policy-cancel.int.test');
