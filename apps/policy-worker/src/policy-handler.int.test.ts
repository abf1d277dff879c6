import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { dlrInEntrySchema, expandJournalEntry, outEntrySchema, streamNames, type InEntry } from '@smsgw/contracts';
import { createClientRouter, createPolicyResolver, emptyPolicySettings } from '@smsgw/domain';
import { createAppMetrics, createMetricsRegistry, policySchema } from '@smsgw/platform';
import { createRedisStateStore } from '@smsgw/store';
import { createClientBacklog, createDeferredQueue } from '@smsgw/redis';
import { createMcp, policyKeys } from '@smsgw/mcp';
import { redisNamespace } from '@smsgw/testing';
import { createPolicyHandler } from './policy-handler';
import { createPolicySettings } from './policy-settings';

const inEntry = (id: string, dst: string): InEntry => ({
  v: 1, id, sys: 'acme',
  src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
  dst: { ton: 1, npi: 1, addr: dst, norm: dst },
  dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: Buffer.from('hi').toString('base64'), at: Date.now(),
});

describe('policy-worker handler (real Redis)', () => {
  it('routes by longest prefix, rejects what no route covers, journals both, and acks all', async () => {
    const ns = await redisNamespace('policy');
    try {
      const names = streamNames(ns.prefix);
      const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
      const handler = createPolicyHandler({
        redis: ns.redis, store, names, logger: pino({ level: 'silent' }), metrics: createAppMetrics(createMetricsRegistry('p')),
        route: createClientRouter([{ prefix: '44', smscs: ['uk'] }, { prefix: '447', smscs: ['ukm'], pool: 'mobile' }], []),
        policy: createMcp({ redis: ns.redis, keys: policyKeys(ns.prefix), resolve: () => createPolicyResolver(emptyPolicySettings()) }),
      });
      const entries = [
        { id: '1-0', data: inEntry('a', '447700900123'), deliveries: 1, size: 0 },
        { id: '2-0', data: inEntry('b', '441234567'), deliveries: 1, size: 0 },
        { id: '3-0', data: inEntry('c', '33612345678'), deliveries: 1, size: 0 },
        { id: '4-0', data: { not: 'an entry' }, deliveries: 1, size: 0 },
      ];
      expect(await handler(entries)).toEqual({ ack: ['1-0', '2-0', '3-0', '4-0'] });
      const read = async (s: string) => ((await ns.redis.xrange(s, '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]));
      expect((await read(names.out('mobile'))).map((e) => outEntrySchema.parse(e).id)).toEqual(['a']);
      expect((await read(names.out('uk'))).map((e) => outEntrySchema.parse(e).id)).toEqual(['b']);
      const [rej] = (await read(names.dlrIn)).map((e) => dlrInEntrySchema.parse(e));
      expect(rej).toMatchObject({ k: 'fail', id: 'c', state: 'POLICY_REJECTED', reason: 'no-route' });
      expect((await store.get('c'))?.state).toBe('POLICY_REJECTED');
      expect((await store.get('a'))?.state).toBe('ROUTED');
      const journal = (await read(names.journal)).flat();
      expect(journal.filter((r) => r.ev === 'rejected').map(expandJournalEntry)).toMatchObject([{ id: 'c', bucket: 'mcp', stage: 'routing', reason: 'no-route' }]);
      expect(journal.filter((r) => r.ev === 'accepted').map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
      expect(journal.filter((r) => r.ev === 'accepted').every((r) => r.text === undefined)).toBe(true); // no text by default
      expect(await ns.redis.xlen(names.dead)).toBe(1); // the malformed entry, kept for inspection
    } finally {
      await ns.cleanup();
    }
  });

  it('puts the message text in the accepted record only for clients with journalText', async () => {
    const ns = await redisNamespace('policy-text');
    try {
      const names = streamNames(ns.prefix);
      const handler = createPolicyHandler({
        redis: ns.redis, store: createRedisStateStore({ redis: ns.redis, prefix: ns.prefix }), names,
        logger: pino({ level: 'silent' }), metrics: createAppMetrics(createMetricsRegistry('p2')),
        route: createClientRouter([{ prefix: '', smscs: ['uk'] }], []),
        policy: createMcp({ redis: ns.redis, keys: policyKeys(ns.prefix), resolve: () => createPolicyResolver(emptyPolicySettings()) }),
        journalText: new Set(['acme']),
      });
      const other = { ...inEntry('y', '441234567'), sys: 'globex' };
      await handler([{ id: '1-0', data: inEntry('x', '447700900123'), deliveries: 1, size: 0 }, { id: '2-0', data: other, deliveries: 1, size: 0 }]);
      const journal = ((await ns.redis.xrange(names.journal, '-', '+')) as [string, string[]][]).flatMap(([, f]) => JSON.parse(f[1]));
      const accepted = Object.fromEntries(journal.filter((r: { ev: string }) => r.ev === 'accepted').map((r: { id: string; text?: string }) => [r.id, r.text]));
      expect(accepted).toEqual({ x: 'hi', y: undefined });
    } finally {
      await ns.cleanup();
    }
  });

  it('defers a message in quiet hours: it waits in the delay queue and the decision is journaled in mcp', async () => {
    const ns = await redisNamespace('policy-defer');
    try {
      const names = streamNames(ns.prefix);
      const keys = policyKeys(ns.prefix);
      const settings = createPolicySettings(
        policySchema.parse({ rules: [{ type: 'quiet-hours', prefixes: ['44'], timezone: 'Europe/London', from: '21:00', to: '08:00', action: 'defer' }] }),
      );
      const handler = createPolicyHandler({
        redis: ns.redis, store: createRedisStateStore({ redis: ns.redis, prefix: ns.prefix }), names,
        logger: pino({ level: 'silent' }), metrics: createAppMetrics(createMetricsRegistry('p3')),
        route: createClientRouter([{ prefix: '', smscs: ['uk'] }], []),
        // 23:30 in London: inside the quiet window.
        policy: createMcp({ redis: ns.redis, keys, resolve: settings.resolver, now: () => Date.UTC(2026, 0, 15, 23, 30) }),
        deferred: createDeferredQueue(ns.redis, ns.prefix, names.in),
      });
      expect(await handler([{ id: '1-0', data: inEntry('q', '447700900123'), deliveries: 1, size: 0 }])).toEqual({ ack: ['1-0'] });
      expect(await ns.redis.xlen(names.out('uk'))).toBe(0); // nothing routed yet
      expect(await ns.redis.zcard(keys.deferred)).toBe(1);
      const journal = ((await ns.redis.xrange(names.journal, '-', '+')) as [string, string[]][]).flatMap(([, f]) => JSON.parse(f[1]));
      expect(journal.map(expandJournalEntry)).toMatchObject([{ ev: 'deferred', id: 'q', bucket: 'mcp', stage: 'business-rules' }]);
      expect(journal[0].reason).toMatch(/^quiet-hours until 2026-01-16T08:00:00/);
    } finally {
      await ns.cleanup();
    }
  });

  it('takes a message it refuses or finds expired out of its client backlog; routed and scheduled ones stay counted', async () => {
    const ns = await redisNamespace('policy-backlog');
    try {
      const names = streamNames(ns.prefix);
      const keys = policyKeys(ns.prefix);
      const backlog = createClientBacklog(ns.redis, ns.prefix);
      const handler = createPolicyHandler({
        redis: ns.redis, store: createRedisStateStore({ redis: ns.redis, prefix: ns.prefix }), names, backlog,
        logger: pino({ level: 'silent' }), metrics: createAppMetrics(createMetricsRegistry('p4')),
        route: createClientRouter([{ prefix: '44', smscs: ['uk'] }], []),
        policy: createMcp({ redis: ns.redis, keys, resolve: () => createPolicyResolver(emptyPolicySettings()) }),
        deferred: createDeferredQueue(ns.redis, ns.prefix, names.in),
      });
      const t = Date.now();
      const messages = [
        inEntry('routed', '447700900123'),
        inEntry('refused', '33612345678'), // no route
        { ...inEntry('expired', '447700900124'), exp: t - 1 },
        { ...inEntry('scheduled', '447700900125'), due: t + 60_000, exp: t + 120_000 },
      ];
      for (const m of messages) await backlog.enqueue(names.in, m);
      expect(await backlog.counts(['acme'])).toEqual(new Map([['acme', 4]]));
      const entries = messages.map((m, i) => ({ id: `${i + 1}-0`, data: m, deliveries: 1, size: 0 }));
      expect((await handler(entries)).ack).toHaveLength(4);
      expect((await ns.redis.zrange(`${ns.prefix}:backlog:{acme}`, '0', '-1')).sort()).toEqual(['routed', 'scheduled']);
      await handler([{ ...entries[1]!, deliveries: 2 }]); // a redelivery of the refused one: no harm
      expect(await backlog.counts(['acme'])).toEqual(new Map([['acme', 2]]));
    } finally {
      await ns.cleanup();
    }
  });
});
