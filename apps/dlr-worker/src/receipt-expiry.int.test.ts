import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { streamNames, GROUPS } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { ensureGroup, xaddEntry } from '@smsgw/redis';
import { redisNamespace } from '@smsgw/testing';
import { createReceiptExpiry } from './receipt-expiry';

describe('receipt stream bounds (real Redis)', () => {
  it('journals and removes receipts older than the age bound and beyond the size bound, per client', async () => {
    const ns = await redisNamespace('expiry');
    try {
      const names = streamNames(ns.prefix);
      const t = Date.now();
      const stream = names.dlr('acme');
      // Three old receipts (explicit ids in the past), then five fresh ones.
      for (let i = 0; i < 3; i++) await ns.redis.xadd(stream, `${t - 10_000 + i}-0`, 'd', JSON.stringify({ id: `old-${i}`, state: 'DELIVERED' }));
      for (let i = 0; i < 5; i++) await xaddEntry(ns.redis, stream, { id: `new-${i}`, state: 'DELIVERED' });
      await ensureGroup(ns.redis, stream, GROUPS.ingress);
      await ns.redis.xreadgroup('GROUP', GROUPS.ingress, 'c', 'COUNT', 2, 'STREAMS', stream, '>'); // two old ones pending
      await xaddEntry(ns.redis, names.dlr('globex'), { id: 'g-1', state: 'DELIVERED' });
      const expire = createReceiptExpiry({
        redis: ns.redis, names, metrics: createAppMetrics(createMetricsRegistry('x')), logger: pino({ level: 'silent' }),
        maxAgeMs: 5_000, maxLen: 3,
      });
      expect(await expire(['acme', 'globex'])).toBe(5); // 3 by age, then 2 over the size bound
      const left = ((await ns.redis.xrange(stream, '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]).id);
      expect(left).toEqual(['new-2', 'new-3', 'new-4']);
      expect(((await ns.redis.xpending(stream, GROUPS.ingress)) as [number])[0]).toBe(0);
      expect(await ns.redis.xlen(names.dlr('globex'))).toBe(1); // another client's stream untouched
      const journal = ((await ns.redis.xrange(names.journal, '-', '+')) as [string, string[]][]).flatMap(([, f]) => JSON.parse(f[1]));
      expect(journal.map((j: { id: string; ev: string }) => `${j.ev}:${j.id}`).sort()).toEqual(
        ['old-0', 'old-1', 'old-2', 'new-0', 'new-1'].map((id) => `receipt_expired:${id}`).sort(),
      );
      expect(await expire(['acme', 'globex'])).toBe(0);
    } finally {
      await ns.cleanup();
    }
  });
});
