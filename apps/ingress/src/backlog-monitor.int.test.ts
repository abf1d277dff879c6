import { describe, expect, it } from 'vitest';
import { ensureGroup, xaddEntry } from '@smsgw/redis';
import { redisNamespace } from '@smsgw/testing';
import { createBacklogMonitor } from './backlog-monitor';

const tick = () => new Promise((r) => setTimeout(r, 120));

describe('backlog monitor (real Redis)', () => {
  it('is full while the journal group has more unexported entries than its bound, and clears when they are acked', async () => {
    const ns = await redisNamespace('backlog');
    const journal = `${ns.prefix}:journal`;
    const monitor = createBacklogMonitor(ns.redis, [{ stream: journal, max: 3, group: 'journal' }], 50);
    try {
      await ensureGroup(ns.redis, journal, 'journal');
      for (let i = 0; i < 5; i++) await xaddEntry(ns.redis, journal, [{ ts: i, ev: 'accepted' }]);
      await tick();
      expect(monitor.full()).toBe(true);
      expect(monitor.fullStream()).toBe(journal);
      const read = (await ns.redis.xreadgroup('GROUP', 'journal', 'c', 'COUNT', 10, 'STREAMS', journal, '>')) as [string, [string, string[]][]][];
      await ns.redis.xack(journal, 'journal', ...read[0][1].map(([id]) => id)); // exported
      await tick();
      expect(monitor.full()).toBe(false); // acked entries no longer count, trimmed or not
    } finally {
      monitor.stop();
      await ns.cleanup();
    }
  });

  it('bounds a stream by its length when no group is named', async () => {
    const ns = await redisNamespace('backlog-len');
    const stream = `${ns.prefix}:in`;
    const monitor = createBacklogMonitor(ns.redis, [{ stream, max: 2 }], 50);
    try {
      await xaddEntry(ns.redis, stream, { a: 1 });
      await tick();
      expect(monitor.full()).toBe(false);
      await xaddEntry(ns.redis, stream, { a: 2 });
      await tick();
      expect(monitor.full()).toBe(true);
    } finally {
      monitor.stop();
      await ns.cleanup();
    }
  });
});
