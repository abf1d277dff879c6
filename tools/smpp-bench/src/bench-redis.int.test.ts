import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisNamespace } from '@smsgw/testing';
import { persistenceOf, startBenchRedis } from './bench-redis';

describe('the bench Redis', () => {
  it('starts its own redis-server with the persistence asked for, and removes it after', async () => {
    for (const [mode, reported] of [['everysec', 'aof-everysec'], ['always', 'aof-always'], ['none', 'none']] as const) {
      const r = await startBenchRedis(mode, 'redis://unused');
      const c = new Redis(r.url);
      try {
        expect(r.persistence).toBe(reported);
        expect(await c.set('k', 'v')).toBe('OK');
      } finally {
        c.disconnect();
        await r.stop();
      }
      const gone = new Redis(r.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      gone.on('error', () => undefined);
      await expect(gone.connect()).rejects.toThrow();
      gone.disconnect();
    }
  });

  it('reports an external Redis as it is configured, and refuses an unknown mode naming the variable', async () => {
    const ns = await redisNamespace('bench-redis');
    try {
      const r = await startBenchRedis('external', ns.url);
      expect(r.persistence).toBe(await persistenceOf(ns.redis as Redis));
      await r.stop();
    } finally {
      await ns.cleanup();
    }
    await expect(startBenchRedis('fast', 'redis://unused')).rejects.toThrow(/BENCH_PERSISTENCE: "fast" is not one of everysec, always, none, external/);
  });
});
