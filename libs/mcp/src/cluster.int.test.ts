import { afterAll, beforeAll } from 'vitest';
import { redisClusterEnv } from '@smsgw/testing';

/**
 * The MCP's Redis suites run again on a 3-shard Redis Cluster started here: the counting script
 * and the list lookups (one command per key, never one pipeline over slots), and the rules
 * versions (one hash, one slot).
 */
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => void (stop = await redisClusterEnv()), 60_000);
afterAll(() => stop?.());

await import('./mcp.int.test');
await import('./policy-rollout.int.test');
