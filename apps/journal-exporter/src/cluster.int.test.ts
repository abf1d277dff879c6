import { afterAll, beforeAll } from 'vitest';
import { redisClusterEnv } from '@smsgw/testing';

/**
 * The journal batcher's suite run again on a 3-shard Redis Cluster started here: its ledger
 * scripts touch the journal stream and the ledger keys together, which share the stream's
 * hash tag.
 */
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => void (stop = await redisClusterEnv()), 60_000);
afterAll(() => stop?.());

await import('./journal-batcher.int.test');
