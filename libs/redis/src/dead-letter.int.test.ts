import { describe, expect, it } from 'vitest';
import { streamNames } from '@smsgw/contracts';
import { redisNamespace } from '@smsgw/testing';
import { createClientBacklog } from './client-backlog';
import { createDeadLetterHandler } from './dead-letter';

const part = (id: string) => ({
  id, sys: 'acme', src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' }, dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' }, at: Date.now(),
});

describe('dead-letter handler (real Redis)', () => {
  it('ends every part of a dead-lettered group FAILED, journals each, and uncounts them from the client backlog', async () => {
    const ns = await redisNamespace('dead-letter');
    const names = streamNames(ns.prefix);
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      const parts = [part('p1'), part('p2'), part('p3')];
      for (const p of parts) await backlog.enqueue(`${ns.prefix}:in`, { ...p, exp: Date.now() + 60_000 });
      const onDead = createDeadLetterHandler(ns.redis, names, 'sender', backlog);
      await onDead({ id: '1-0', data: { k: 'group', pool: 'sim', parts }, deliveries: 11, size: 0 });
      const fails = ((await ns.redis.xrange(names.dlrIn, '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]!));
      expect(fails.map((f) => [f.id, f.state])).toEqual([['p1', 'FAILED'], ['p2', 'FAILED'], ['p3', 'FAILED']]);
      const journal = ((await ns.redis.xrange(names.journal, '-', '+')) as [string, string[]][]).flatMap(([, f]) => JSON.parse(f[1]!));
      expect(journal.map((r: { id: string; ev: string }) => `${r.id}:${r.ev}`)).toEqual(['p1:dead_lettered', 'p2:dead_lettered', 'p3:dead_lettered']);
      expect(await backlog.counts(['acme'])).toEqual(new Map([['acme', 0]]));
    } finally {
      await ns.cleanup();
    }
  });
});
