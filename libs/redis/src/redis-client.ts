import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/**
 * A Redis connection with bounded calls: commands time out, the offline queue is off once the
 * connection is lost (a caller gets an error at once instead of waiting forever — ingress
 * turns that into ESME_RMSGQFUL), and concurrent commands share round trips (auto-pipelining).
 */
export function createRedis(url: string, opts: { commandTimeoutMs?: number; name?: string } = {}): Redis {
  const options: RedisOptions = {
    enableAutoPipelining: true,
    commandTimeout: opts.commandTimeoutMs ?? 5_000,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectionName: opts.name,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    lazyConnect: false,
  };
  const redis = new Redis(url, options);
  // Errors surface on the commands that fail; an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** A connection for blocking reads (XREADGROUP BLOCK): no command timeout, closed to break a read. */
export function createBlockingRedis(url: string, name?: string): Redis {
  const redis = new Redis(url, {
    enableAutoPipelining: false,
    connectTimeout: 5_000,
    maxRetriesPerRequest: null,
    connectionName: name,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  });
  redis.on('error', () => undefined);
  return redis;
}
