import { Cluster, Redis as SingleRedis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * A connection to the gateway's Redis: one server (`redis.url`) or a Redis Cluster
 * (`redis.cluster`). Both speak the same commands; what differs is where keys live — every
 * script and MULTI touches keys of one hash tag, and whole-keyspace commands (SCAN, INFO) go
 * to each master (see `masters`).
 */
export type Redis = SingleRedis | Cluster;

/** Where the gateway's Redis is: the `redis:` config section (or `limits.redis`), or a bare URL. */
export interface RedisTarget {
  url?: string;
  /** Seed nodes (`host:port`) of a Redis Cluster; when set, `url` is not used. */
  cluster?: readonly string[];
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const retry = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2_000);

/** `host:port` seeds as ioredis' Cluster takes them. */
export const clusterSeeds = (cluster: readonly string[]) =>
  cluster.map((s) => {
    const i = s.lastIndexOf(':');
    return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
  });

const normalise = (target: string | RedisTarget): RedisTarget => (typeof target === 'string' ? { url: target } : target);

/** What the connection is, for messages: `redis.cluster [a:1, b:2]` or `redis.url …`. */
export function describeRedisTarget(target: string | RedisTarget): string {
  const t = normalise(target);
  return t.cluster?.length ? `redis.cluster [${t.cluster.join(', ')}]` : `redis.url ${t.url ?? DEFAULT_URL}`;
}

function open(target: string | RedisTarget, single: RedisOptions, cluster: ClusterOptions): Redis {
  const t = normalise(target);
  // A cluster config never falls back to `url`: it is the cluster or an error.
  const redis: Redis = t.cluster?.length ? new Cluster(clusterSeeds(t.cluster), cluster) : new SingleRedis(t.url ?? DEFAULT_URL, single);
  // Errors surface on the commands that fail; an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * A Redis connection with bounded calls: commands time out, the offline queue is off once the
 * connection is lost (a caller gets an error at once instead of waiting forever — ingress
 * turns that into ESME_RMSGQFUL), and concurrent commands share round trips (auto-pipelining;
 * on a cluster, per master).
 */
export function createRedis(target: string | RedisTarget, opts: { commandTimeoutMs?: number; name?: string } = {}): Redis {
  const node: RedisOptions = {
    commandTimeout: opts.commandTimeoutMs ?? 5_000,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 1,
    connectionName: opts.name,
  };
  return open(
    target,
    { ...node, enableAutoPipelining: true, autoPipeliningIgnoredCommands: [], enableOfflineQueue: true, retryStrategy: retry, lazyConnect: false },
    {
      enableAutoPipelining: true,
      // Its own list (defineDynamicKeyCommand adds to it), not the library's shared default.
      autoPipeliningIgnoredCommands: [],
      enableOfflineQueue: true,
      // Reads and writes go to masters: the gateway reads what it just wrote.
      scaleReads: 'master',
      clusterRetryStrategy: retry,
      // A master that fails over is replaced within seconds; MOVED/ASK/TRYAGAIN are followed.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      slotsRefreshTimeout: 2_000,
      redisOptions: node,
    },
  );
}

/**
 * A connection for blocking reads (XREADGROUP BLOCK): no command timeout, closed to break a
 * read. On a cluster the read of one stream key goes to that key's master.
 */
export function createBlockingRedis(target: string | RedisTarget, name?: string): Redis {
  const node: RedisOptions = { connectTimeout: 5_000, maxRetriesPerRequest: null, connectionName: name };
  return open(
    target,
    { ...node, enableAutoPipelining: false, retryStrategy: retry },
    { enableAutoPipelining: false, scaleReads: 'master', clusterRetryStrategy: retry, retryDelayOnFailover: 200, retryDelayOnClusterDown: 200, slotsRefreshTimeout: 2_000, redisOptions: node },
  );
}

/**
 * The servers that hold keys: the one server, or every master of a cluster — for commands
 * about the whole keyspace or the server (SCAN, INFO), which a cluster client would send to
 * one node only.
 */
export async function masters(redis: Redis): Promise<SingleRedis[]> {
  if (!(redis instanceof Cluster)) return [redis];
  // The slot map comes with the first command; until then nodes() lists none.
  if (redis.status !== 'ready') await redis.ping();
  return redis.nodes('master');
}

/**
 * The readiness check of a connection: PING within `timeoutMs`. A cluster client queues
 * commands until it has the slot map, so without the bound a cluster whose nodes never answer
 * would keep /readyz waiting instead of failing; the error names the config that points there.
 */
export async function pingRedis(redis: Redis, target: string | RedisTarget, timeoutMs = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    throw new Error(`${describeRedisTarget(target)} not reachable: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

// Scripts whose key count varies per call (lives in libs/store, which uses it too).
export { defineDynamicKeyCommand } from '@smsgw/store';
