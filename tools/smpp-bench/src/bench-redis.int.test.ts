import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { commandsPerMessage, redisCommandCalls, redisCpuSeconds, redisForkCpuSeconds } from '@smsgw/redis';
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

  it('counts the commands the server served per message, a script\'s own calls included', async () => {
    const r = await startBenchRedis('none', 'redis://unused');
    const c = new Redis(r.url);
    try {
      const before = await redisCommandCalls(c);
      for (let i = 0; i < 4; i++) await c.eval("redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", 2, `k${i}`, `n${i}`, 'v');
      await c.set('x', '1');
      const per = commandsPerMessage(before, await redisCommandCalls(c), 2);
      // 4 EVALs, each a SET and an INCR, and one SET more, over 2 messages; the first reading's
      // own INFO shows in the second (a bench's two readings are lost in its thousands of messages).
      expect(per).toEqual({ eval: 2, set: 2.5, incr: 2, info: 0.5 });
      expect(Object.keys(per)[0]).toBe('set'); // largest first
    } finally {
      c.disconnect();
      await r.stop();
    }
  });

  it('counts the CPU of an AOF rewrite apart from the server\'s own (redisForkCpuSeconds)', async () => {
    const r = await startBenchRedis('everysec', 'redis://unused');
    const c = new Redis(r.url);
    try {
      // Enough data that the rewrite's child has work to show in its rusage.
      for (let i = 0; i < 20; i++) await c.eval("for i = 1, 10000 do redis.call('SET', ARGV[1] .. i, ARGV[2]) end", 0, `k${i}:`, 'x'.repeat(100));
      const forks0 = await redisForkCpuSeconds(c);
      const own0 = await redisCpuSeconds(c);
      // The server's own work moves its own figure, not the forks'.
      for (let i = 0; i < 5; i++) await c.eval("for i = 1, 20000 do redis.call('INCR', KEYS[1]) end", 1, 'n');
      expect(await redisCpuSeconds(c)).toBeGreaterThan(own0);
      expect(await redisForkCpuSeconds(c)).toBe(forks0);
      await c.bgrewriteaof();
      // The child's CPU shows once the server has reaped it (after the rewrite is done).
      let forks = forks0;
      for (let i = 0; i < 200 && forks <= forks0; i++) {
        await new Promise((res) => setTimeout(res, 50));
        forks = await redisForkCpuSeconds(c);
      }
      expect(forks).toBeGreaterThan(forks0);
    } finally {
      c.disconnect();
      await r.stop();
    }
  });
});
