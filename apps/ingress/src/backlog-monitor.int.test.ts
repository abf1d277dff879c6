import { describe, expect, it } from 'vitest';
import { createClientBacklog, ensureGroup, xaddEntry } from '@smsgw/redis';
import { redisNamespace } from '@smsgw/testing';
import { createBacklogMonitor, createClientBacklogMonitor } from './backlog-monitor';

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

  it('bounds each client by its own maxBacklog: only the client over it is full, and no longer once its messages end', async () => {
    const ns = await redisNamespace('backlog-client');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const monitor = createClientBacklogMonitor(backlog, { limits: new Map([['acme', 3], ['beta', 3]]), intervalMs: 50 });
    const exp = Date.now() + 60_000;
    const accept = (id: string, sys: string) => backlog.enqueue(`${ns.prefix}:in`, { id, sys, at: Date.now(), exp });
    try {
      expect(monitor.full('acme')).toBe(false);
      expect(monitor.full('beta')).toBe(false);
      for (let i = 0; i < 3; i++) await accept(`a${i}`, 'acme');
      await accept('b0', 'beta');
      await tick();
      expect(monitor.full('acme')).toBe(true);
      expect(monitor.full('beta')).toBe(false); // the other client keeps flowing
      expect(monitor.full('unknown')).toBe(false); // not a configured client: no bound here
      await backlog.remove([{ id: 'a0', sys: 'acme' }]); // one of its messages was sent
      await tick();
      expect(monitor.full('acme')).toBe(false);
    } finally {
      monitor.stop();
      await ns.cleanup();
    }
  });

  it('sweeps ids long past their expiry, so a removal that never ran does not keep a client full', async () => {
    const ns = await redisNamespace('backlog-client-sweep');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const stale = Date.now() - 11 * 60_000; // expired more than the sweep's grace ago
    for (let i = 0; i < 3; i++) await backlog.enqueue(`${ns.prefix}:in`, { id: `a${i}`, sys: 'acme', at: stale - 1_000, exp: stale });
    const monitor = createClientBacklogMonitor(backlog, { limits: new Map([['acme', 3]]), intervalMs: 50, sweepEveryMs: 60_000 });
    try {
      monitor.full('acme');
      await tick();
      expect(monitor.full('acme')).toBe(false);
      expect(await backlog.counts(['acme'])).toEqual(new Map([['acme', 0]]));
    } finally {
      monitor.stop();
      await ns.cleanup();
    }
  });
});
