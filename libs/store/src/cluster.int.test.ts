import { afterAll, beforeAll } from 'vitest';
import { redisClusterEnv } from '../../testing/src/redis-cluster';

/**
 * The Redis state store's contract suite and its specifics, run again on a 3-shard Redis
 * Cluster started here: each record's script touches its own key only, the stats and
 * correlation keys carry their own hash tags.
 */
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => void (stop = await redisClusterEnv()), 60_000);
afterAll(() => stop?.());

await import('./redis-store.int.test');
