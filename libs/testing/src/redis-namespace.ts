import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { clusterSeeds, deleteByPrefix, type RedisTarget } from '@smsgw/redis';

export interface RedisNamespace {
  /**
   * The client. On a cluster (REDIS_CLUSTER) it is ioredis' Cluster client, typed as Redis so
   * that test bodies run unchanged on both (the commands are the same).
   */
  redis: Redis;
  /** Unique key prefix of this test, `t:<name>:<random>`; every key the test writes starts with it. */
  prefix: string;
  url: string;
  /** What to connect to: `{ url }`, or `{ cluster: seeds }` when REDIS_CLUSTER is set — pass this, not `url`, to the factories. */
  target: RedisTarget & { url: string };
  /** Deletes every key under `prefix` (SCAN, never KEYS or FLUSH*) and quits the client. */
  cleanup(): Promise<void>;
}

/**
 * A private key space on the shared Redis of the machine. Tests of many files and many people
 * run against the same server at once, so nothing may be flushed: each test owns a random
 * prefix and deletes exactly its own keys at the end.
 */
export async function redisNamespace(name = 'test'): Promise<RedisNamespace> {
  // Tests may read the environment; libraries may not. This is test fixture code.
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // REDIS_CLUSTER: seed nodes (`host:port,…`) of a Redis Cluster the whole run uses instead.
  const cluster = process.env.REDIS_CLUSTER?.split(',').filter(Boolean);
  const redis = cluster?.length
    ? (new Cluster(clusterSeeds(cluster), {
        enableAutoPipelining: true,
        lazyConnect: true,
        scaleReads: 'master',
        redisOptions: { maxRetriesPerRequest: 2 },
      }) as unknown as Redis)
    : new Redis(url, { enableAutoPipelining: true, lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const prefix = `t:${name}:${randomBytes(6).toString('hex')}`;
  let cleaned = false;
  return {
    redis,
    prefix,
    url,
    target: cluster?.length ? { url, cluster } : { url },
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      try {
        await deleteByPrefix(redis, prefix);
      } finally {
        await redis.quit().catch(() => redis.disconnect());
      }
    },
  };
}

