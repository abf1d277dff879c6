import { describe, expect, it, vi } from 'vitest';
import { redisNamespace } from '@smsgw/testing';
import { clientBacklogKey, createClientBacklog, messagesOfEntry } from './client-backlog';

const entry = (id: string, sys: string, exp: number) => ({ id, sys, at: exp - 60_000, exp });

describe('client backlog (real Redis)', () => {
  it('counts each client apart: an accepted message is in its stream and counted; a finished one leaves, removing twice is harmless', async () => {
    const ns = await redisNamespace('client-backlog');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const stream = `${ns.prefix}:in`;
    try {
      const exp = Date.now() + 60_000;
      for (let i = 0; i < 5; i++) await backlog.enqueue(stream, entry(`a${i}`, 'acme', exp));
      await backlog.enqueue(stream, entry('b0', 'beta', exp));
      expect(await ns.redis.xlen(stream)).toBe(6);
      expect(await backlog.counts(['acme', 'beta', 'idle'])).toEqual(new Map([['acme', 5], ['beta', 1], ['idle', 0]]));
      // A batch of finished messages of two clients; a redelivery of one removes it again.
      await backlog.remove([{ id: 'a0', sys: 'acme' }, { id: 'a1', sys: 'acme' }, { id: 'b0', sys: 'beta' }]);
      await backlog.remove([{ id: 'a1', sys: 'acme' }]);
      expect(await backlog.counts(['acme', 'beta'])).toEqual(new Map([['acme', 3], ['beta', 0]]));
      // Scored by the message's expiry.
      expect(Number(await ns.redis.zscore(clientBacklogKey(ns.prefix, 'acme'), 'a2'))).toBe(exp);
    } finally {
      await ns.cleanup();
    }
  });

  it('with acceptLingerMs, a client\'s submits of later turns within it are counted and written in one call each', async () => {
    const ns = await redisNamespace('client-backlog-linger');
    const backlog = createClientBacklog(ns.redis, ns.prefix, { acceptLingerMs: 30 });
    const stream = `${ns.prefix}:in`;
    try {
      const r = ns.redis as unknown as Record<'smsgwXaddMany' | 'smsgwCount', (...a: unknown[]) => Promise<unknown>>;
      const xadds = vi.spyOn(r, 'smsgwXaddMany');
      const counts = vi.spyOn(r, 'smsgwCount');
      const exp = Date.now() + 60_000;
      const first = backlog.enqueue(stream, entry('m1', 'acme', exp));
      await new Promise((res) => setTimeout(res, 5));
      const second = backlog.enqueue(stream, entry('m2', 'acme', exp));
      const ids = await Promise.all([first, second]);
      expect(ids.every((id) => typeof id === 'string')).toBe(true);
      expect(await ns.redis.xlen(stream)).toBe(2);
      expect(await backlog.counts(['acme'])).toEqual(new Map([['acme', 2]]));
      expect(xadds).toHaveBeenCalledTimes(1);
      expect(counts).toHaveBeenCalledTimes(1);
    } finally {
      await ns.cleanup();
    }
  });

  it('does not count a message whose XADD failed', async () => {
    const ns = await redisNamespace('client-backlog-fail');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const notAStream = `${ns.prefix}:string`;
    try {
      await ns.redis.set(notAStream, 'x'); // XADD answers WRONGTYPE
      await expect(backlog.enqueue(notAStream, entry('a0', 'acme', Date.now() + 60_000))).rejects.toThrow(/WRONGTYPE/);
      expect(await backlog.counts(['acme'])).toEqual(new Map([['acme', 0]]));
    } finally {
      await ns.cleanup();
    }
  });

  it('enqueues several messages all or none: one transaction on the stream, all counted', async () => {
    const ns = await redisNamespace('client-backlog-all');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const stream = `${ns.prefix}:in`;
    try {
      const exp = Date.now() + 60_000;
      const ids = await backlog.enqueueAll(stream, [entry('m1', 'acme', exp), entry('m2', 'acme', exp + 1), entry('m3', 'acme', exp + 2)]);
      expect(ids).toHaveLength(3);
      const read = (await ns.redis.xrange(stream, '-', '+')) as [string, string[]][];
      expect(read.map(([id]) => id)).toEqual(ids);
      expect(read.map(([, f]) => JSON.parse(f[1]!).id)).toEqual(['m1', 'm2', 'm3']);
      expect(await backlog.counts(['acme'])).toEqual(new Map([['acme', 3]]));
      expect(Number(await ns.redis.zscore(clientBacklogKey(ns.prefix, 'acme'), 'm3'))).toBe(exp + 2);
      expect(await backlog.enqueueAll(stream, [])).toEqual([]);
    } finally {
      await ns.cleanup();
    }
  });

  it('writes none and counts none when the transaction fails', async () => {
    const ns = await redisNamespace('client-backlog-all-fail');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const notAStream = `${ns.prefix}:string`;
    try {
      await ns.redis.set(notAStream, 'x'); // every XADD of the transaction answers WRONGTYPE
      const exp = Date.now() + 60_000;
      await expect(backlog.enqueueAll(notAStream, [entry('m1', 'acme', exp), entry('m2', 'acme', exp)])).rejects.toThrow(/WRONGTYPE/);
      expect(await backlog.counts(['acme'])).toEqual(new Map([['acme', 0]]));
      expect(await ns.redis.get(notAStream)).toBe('x');
    } finally {
      await ns.cleanup();
    }
  });

  it('sweeps only ids past their expiry by more than the grace: a missed removal cannot block a client for ever', async () => {
    const ns = await redisNamespace('client-backlog-sweep');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const stream = `${ns.prefix}:in`;
    try {
      const now = Date.now();
      await backlog.enqueue(stream, entry('old', 'acme', now - 20_000)); // dead-lettered long ago, never removed
      await backlog.enqueue(stream, entry('recent', 'acme', now - 5_000)); // just expired: a stage may still end it
      await backlog.enqueue(stream, entry('live', 'acme', now + 60_000));
      await backlog.enqueue(stream, entry('other', 'beta', now - 20_000));
      expect(await backlog.sweep(['acme'], now, 10_000)).toBe(1);
      expect(await ns.redis.zrange(clientBacklogKey(ns.prefix, 'acme'), '0', '-1')).toEqual(['recent', 'live']);
      expect(await backlog.counts(['beta'])).toEqual(new Map([['beta', 1]])); // only the clients named
    } finally {
      await ns.cleanup();
    }
  });

  it('reads the messages of an out entry: one message, or every part of a group; nothing from a malformed one', () => {
    expect(messagesOfEntry({ id: 'm', sys: 'acme', pool: 'p' })).toEqual([{ id: 'm', sys: 'acme' }]);
    expect(messagesOfEntry({ k: 'group', pool: 'p', parts: [{ id: 'p1', sys: 'acme' }, { id: 'p2', sys: 'acme' }] })).toEqual([
      { id: 'p1', sys: 'acme' },
      { id: 'p2', sys: 'acme' },
    ]);
    expect(messagesOfEntry(undefined)).toEqual([]);
    expect(messagesOfEntry({ id: 3 })).toEqual([]);
  });
});
