import { describe, expect, it, vi } from 'vitest';
import { redisNamespace } from '@smsgw/testing';
import { createEntryAppender, decodeFields, xaddEntries } from './stream-entry';

const read = async (redis: Awaited<ReturnType<typeof redisNamespace>>['redis'], stream: string) =>
  ((await redis.xrange(stream, '-', '+')) as [string, string[]][]).map(([id, fields]) => ({ id, data: decodeFields(fields).data }));

describe('several entries per XADD call (real Redis)', () => {
  it('xaddEntries writes each value as an entry of its own, in order, and answers their ids', async () => {
    const ns = await redisNamespace('xadd-many');
    try {
      const stream = `${ns.prefix}:s`;
      const ids = await xaddEntries(ns.redis, stream, [{ n: 1 }, { n: 2, t: 'é' }, [3]]);
      expect(ids).toHaveLength(3);
      expect(await read(ns.redis, stream)).toEqual([
        { id: ids[0], data: { n: 1 } },
        { id: ids[1], data: { n: 2, t: 'é' } },
        { id: ids[2], data: [3] },
      ]);
    } finally {
      await ns.cleanup();
    }
  });

  it('the appender sends a tick\'s entries per stream in one call; a stream Redis refuses fails its own entries only', async () => {
    const ns = await redisNamespace('xadd-appender');
    try {
      const append = createEntryAppender(ns.redis);
      const a = `${ns.prefix}:{x}:a`;
      const b = `${ns.prefix}:{x}:b`;
      const bad = `${ns.prefix}:{x}:not-a-stream`;
      await ns.redis.set(bad, 'x');
      const calls = vi.spyOn(ns.redis as unknown as { smsgwXaddMany: (...args: unknown[]) => Promise<unknown> }, 'smsgwXaddMany');
      const out = await Promise.allSettled([append(a, { i: 0 }), append(b, { i: 1 }), append(a, { i: 2 }), append(bad, { i: 3 }), append(a, { i: 4 })]);
      expect(out.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(String((out[3] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
      expect((await read(ns.redis, a)).map((e) => e.data)).toEqual([{ i: 0 }, { i: 2 }, { i: 4 }]);
      expect((await read(ns.redis, a)).map((e) => e.id)).toEqual([0, 2, 4].map((i) => (out[i] as PromiseFulfilledResult<string>).value));
      expect((await read(ns.redis, b)).map((e) => e.data)).toEqual([{ i: 1 }]);
      // One call per stream: a (three entries), b, and the refused one.
      expect(calls.mock.calls.map((c) => [c[1], c.length - 2])).toEqual([[a, 3], [b, 1], [bad, 1]]);
    } finally {
      await ns.cleanup();
    }
  });
});
