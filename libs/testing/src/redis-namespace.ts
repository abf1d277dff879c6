import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteByPrefix } from '@smsgw/redis';

export interface RedisNamespace {
  redis: Redis;
  /** Unique key prefix of this test, `t:<name>:<random>`; every key the test writes starts with it. */
  prefix: string;
  url: string;
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
  const redis = new Redis(url, { enableAutoPipelining: true, lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const prefix = `t:${name}:${randomBytes(6).toString('hex')}`;
  let cleaned = false;
  return {
    redis,
    prefix,
    url,
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

