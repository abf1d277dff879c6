import { afterAll, beforeAll } from 'vitest';
import { redisClusterEnv } from '@smsgw/testing';

/**
 * The dlr-worker's Redis suites run again on a 3-shard Redis Cluster started here: the receipt
 * emitter's script (dedupe marker and client stream under one `{system_id}` tag), the
 * aggregate tracker and receipt expiry.
 */
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => void (stop = await redisClusterEnv()), 60_000);
afterAll(() => stop?.());

await import('./receipt-handler.int.test');
await import('./receipt-expiry.int.test');
