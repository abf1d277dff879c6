import { describe, expect, it } from 'vitest';
import { streamNames } from '@smsgw/contracts';
import { redisNamespace } from '@smsgw/testing';
import { createReceiptEmitter } from './receipt-emitter';
import { decodeFields } from './stream-entry';

describe('client receipt emitter (real Redis)', () => {
  it('writes each receipt once: those of one tick per client in one call, in order; a repeat, in the same tick or later, writes nothing', async () => {
    const ns = await redisNamespace('receipt-emitter');
    const names = streamNames(ns.prefix);
    const emit = createReceiptEmitter(ns.redis, { prefix: ns.prefix, ttlSeconds: 60 });
    const read = async (sys: string) => (await ns.redis.xrange(names.dlr(sys), '-', '+')).map(([, f]) => (decodeFields(f).data as { id: string }).id);
    try {
      // One tick: two clients (two streams, on a cluster possibly two masters), a duplicate inside.
      const first = await Promise.all([
        emit(names.dlr('acme'), 'acme', 'm1', { id: 'm1' }),
        emit(names.dlr('beta'), 'beta', 'n1', { id: 'n1' }),
        emit(names.dlr('acme'), 'acme', 'm2', { id: 'm2' }),
        emit(names.dlr('acme'), 'acme', 'm1', { id: 'm1' }),
        emit(names.dlr('acme'), 'acme', 'm3', { id: 'm3' }),
      ]);
      expect(first).toEqual([true, true, true, false, true]);
      expect(await read('acme')).toEqual(['m1', 'm2', 'm3']);
      expect(await read('beta')).toEqual(['n1']);
      // A redelivered dlr-in entry later: nothing new.
      expect(await emit(names.dlr('acme'), 'acme', 'm2', { id: 'm2' })).toBe(false);
      expect(await emit(names.dlr('beta'), 'beta', 'n2', { id: 'n2' })).toBe(true);
      expect(await read('acme')).toEqual(['m1', 'm2', 'm3']);
      expect(await read('beta')).toEqual(['n1', 'n2']);
      // The dedupe marker lives as long as asked.
      expect(await ns.redis.ttl(`${ns.prefix}:rcpt:{acme}:m1`)).toBeGreaterThan(50);
    } finally {
      await ns.cleanup();
    }
  });

  it('a receipt stream Redis refuses fails every receipt of that call, and no other client\'s', async () => {
    const ns = await redisNamespace('receipt-emitter-fail');
    const names = streamNames(ns.prefix);
    const emit = createReceiptEmitter(ns.redis, { prefix: ns.prefix });
    try {
      await ns.redis.set(names.dlr('acme'), 'not a stream');
      const out = await Promise.allSettled([emit(names.dlr('acme'), 'acme', 'm1', {}), emit(names.dlr('acme'), 'acme', 'm2', {}), emit(names.dlr('beta'), 'beta', 'n1', {})]);
      expect(out.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
      // Nothing was marked written: once the stream can take them, the retries write them.
      await ns.redis.del(names.dlr('acme'));
      expect(await Promise.all([emit(names.dlr('acme'), 'acme', 'm1', {}), emit(names.dlr('acme'), 'acme', 'm2', {})])).toEqual([true, true]);
      expect(await ns.redis.xlen(names.dlr('acme'))).toBe(2);
    } finally {
      await ns.cleanup();
    }
  });
});
