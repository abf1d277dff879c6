import { Cluster, Redis as SingleRedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisClusterEnv, redisNamespace } from '@smsgw/testing';
import { deleteByPrefix } from './delete-by-prefix';
import { createRedis, masters, pingRedis } from './redis-client';
import { redisCpuSeconds } from './redis-info';

/**
 * The Redis integration suites of this library, run again on a 3-shard Redis Cluster started
 * here: redisNamespace() hands every test a cluster client while REDIS_CLUSTER is set, so the
 * same test bodies check that the stream consumer (XREADGROUP BLOCK, claims), the rate
 * limiter's scripts, the client backlog, dead-lettering and BullMQ's periodic jobs work where
 * keys live on three masters (a script or MULTI over two slots fails there with CROSSSLOT).
 */
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => void (stop = await redisClusterEnv()), 60_000);
afterAll(() => stop?.());

await import('./stream-consumer.int.test');
await import('./rate-limiter.int.test');
await import('./client-backlog.int.test');
await import('./cancel-scripts.int.test');
await import('./dead-letter.int.test');
await import('./periodic-jobs.int.test');
await import('./receipt-emitter.int.test');

describe('the connection factory on a Redis Cluster', () => {
  it('the suites above really run on the cluster: three masters behind one client', async () => {
    const ns = await redisNamespace('cluster-sanity');
    try {
      expect(ns.redis).toBeInstanceOf(Cluster);
      expect(ns.target.cluster).toHaveLength(3);
      expect(await masters(ns.redis)).toHaveLength(3);
    } finally {
      await ns.cleanup();
    }
  });

  it('`cluster` wins over `url`: the client is the cluster one and its keys spread over the masters', async () => {
    const ns = await redisNamespace('cluster-wins');
    const redis = createRedis({ url: 'redis://127.0.0.1:1', cluster: ns.target.cluster });
    try {
      expect(redis).toBeInstanceOf(Cluster);
      await Promise.all(Array.from({ length: 60 }, (_, i) => redis.set(`${ns.prefix}:{k${i}}`, 'v')));
      const perNode = await Promise.all((await masters(redis)).map((n) => n.dbsize()));
      expect(perNode.every((n) => n > 0)).toBe(true);
    } finally {
      redis.disconnect();
      await ns.cleanup();
    }
  });

  it('deleteByPrefix empties every master, not only the node SCAN happens to reach', async () => {
    const ns = await redisNamespace('cluster-delete');
    const keys = Array.from({ length: 300 }, (_, i) => `${ns.prefix}:{k${i}}`);
    await Promise.all(keys.map((k) => ns.redis.set(k, 'v')));
    await deleteByPrefix(ns.redis, ns.prefix);
    const left = await Promise.all(
      ns.target.cluster!.map(async (seed) => {
        const node = new SingleRedis(Number(seed.split(':')[1]), '127.0.0.1');
        try {
          return (await node.scan('0', 'MATCH', `${ns.prefix}*`, 'COUNT', 10_000))[1].length;
        } finally {
          node.disconnect();
        }
      }),
    );
    expect(left).toEqual([0, 0, 0]);
    await ns.cleanup();
  });

  it('redisCpuSeconds adds up every master', async () => {
    const ns = await redisNamespace('cluster-cpu');
    try {
      const total = await redisCpuSeconds(ns.redis);
      const one = await redisCpuSeconds((await masters(ns.redis))[0]!);
      expect(total).toBeGreaterThan(one);
    } finally {
      await ns.cleanup();
    }
  });

  it('a cluster whose seeds do not answer fails the check, naming redis.cluster', async () => {
    const target = { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', cluster: ['127.0.0.1:1', '127.0.0.1:2'] };
    const redis = createRedis(target, { commandTimeoutMs: 300 });
    try {
      await expect(pingRedis(redis, target, 1_000)).rejects.toThrow('redis.cluster [127.0.0.1:1, 127.0.0.1:2] not reachable');
    } finally {
      redis.disconnect();
    }
  });
});
