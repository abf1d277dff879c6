import { startRedisCluster, type RedisCluster } from './redis-cluster';

/**
 * Vitest global setup of the end-to-end project: with `REDIS_CLUSTER=1` it starts a 3-shard
 * Redis Cluster for the whole run and sets REDIS_CLUSTER to its seeds, so every suite's
 * redisNamespace() and stack (use-stack) run on the cluster. Any other value (seeds of a
 * cluster already running) or none: nothing to do.
 */
let cluster: RedisCluster | undefined;

export async function setup(): Promise<void> {
  if (process.env.REDIS_CLUSTER !== '1') return;
  cluster = await startRedisCluster();
  process.env.REDIS_CLUSTER = cluster.seeds.join(',');
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
