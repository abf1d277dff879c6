import { describe, expect, it } from 'vitest';
import type { InEntry } from '@smsgw/contracts';
import { redisNamespace } from '@smsgw/testing';
import { createDeferredQueue, deferredKey, legacyDeferredKey } from './deferred-queue';

const entry = (id: string, text = 'hi'): InEntry => ({
  v: 1, id, sys: 'acme', src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' }, dst: { ton: 1, npi: 1, addr: '447700900001', norm: '447700900001' },
  dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: Buffer.from(text).toString('base64'), at: 1_000,
});

describe('deferred queue (real Redis)', () => {
  it('holds a message once: a later copy takes the earlier one\'s place and time; wake brings it forward, never back', async () => {
    const ns = await redisNamespace('deferred-wake');
    const q = createDeferredQueue(ns.redis, ns.prefix, `${ns.prefix}:in`);
    try {
      await q.defer(entry('m1', 'old'), 10_000);
      await q.defer({ ...entry('m1', 'new'), rv: 1 }, 20_000);
      await q.defer(entry('m2'), 10_000);
      expect(await q.size()).toBe(2);
      expect(await q.wake('m1', 5_000)).toBe(true);
      expect(await q.wake('m2', 50_000)).toBe(true); // later than it is held: unchanged
      expect(await q.wake('unknown', 5_000)).toBe(false);
      expect(await q.release(5_000)).toBe(1);
      const xs = (await ns.redis.xrange(`${ns.prefix}:in`, '-', '+')) as [string, string[]][];
      expect(xs.map(([, f]) => JSON.parse(f[1]!))).toMatchObject([{ id: 'm1', rv: 1, sm: Buffer.from('new').toString('base64') }]);
      // Released: neither held nor indexed any more.
      expect(await q.wake('m1', 1)).toBe(false);
      expect(await ns.redis.hkeys(`${deferredKey(ns.prefix)}:e`)).toEqual(['m2']);
      expect(await q.release(10_000)).toBe(1);
      expect(await q.size()).toBe(0);
    } finally {
      await ns.cleanup();
    }
  });

  it('still releases what an earlier version held under the key without hash tag', async () => {
    const ns = await redisNamespace('deferred-legacy');
    const q = createDeferredQueue(ns.redis, ns.prefix, `${ns.prefix}:in`);
    try {
      await ns.redis.zadd(legacyDeferredKey(ns.prefix), 1_000, JSON.stringify(entry('old')));
      await q.defer(entry('new'), 1_000);
      expect(await q.size()).toBe(2);
      expect(await q.release(1_000)).toBe(2);
      expect(await q.size()).toBe(0);
      const xs = (await ns.redis.xrange(`${ns.prefix}:in`, '-', '+')) as [string, string[]][];
      expect(xs.map(([, f]) => JSON.parse(f[1]!).id).sort()).toEqual(['new', 'old']);
    } finally {
      await ns.cleanup();
    }
  });
});
