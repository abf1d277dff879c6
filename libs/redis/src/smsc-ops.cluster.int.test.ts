import { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisClusterEnv, redisNamespace } from '@smsgw/testing';

/**
 * The SMSC operations suite again on a 3-shard Redis Cluster started here (redisNamespace hands
 * out cluster clients while REDIS_CLUSTER is set): one BRPOP over several SMSCs' lists must stay
 * in one slot, and replies published on one node must reach a subscriber on another.
 */
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => void (stop = await redisClusterEnv()), 60_000);
afterAll(() => stop?.());

await import('./smsc-ops.int.test');

it('the suite above really runs on the cluster', async () => {
  const ns = await redisNamespace('smsc-ops-cluster');
  try {
    expect(ns.redis).toBeInstanceOf(Cluster);
  } finally {
    await ns.cleanup();
  }
});
