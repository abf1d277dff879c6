import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { dlrInFailureSchema, streamNames, type InEntry } from '@smsgw/contracts';
import { createClientRouter, createPolicyResolver, emptyPolicySettings } from '@smsgw/domain';
import { createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { createRedisStateStore } from '@smsgw/store';
import { createClientBacklog, createDeferredQueue, type ClientBacklog, type DeferredQueue } from '@smsgw/redis';
import { createMcp, policyKeys } from '@smsgw/mcp';
import { redisNamespace } from '@smsgw/testing';
import { createPolicyHandler } from './policy-handler';

const inEntry = (id: string, sys = 'acme', extra: Partial<InEntry> = {}): InEntry => ({
  v: 1, id, sys,
  src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
  dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' },
  dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: Buffer.from('hi').toString('base64'), at: Date.now(), exp: Date.now() + 3_600_000,
  ...extra,
});

/** `around`: wraps the deferred queue the handler holds messages in (what happens during a hold). */
async function setup(name: string, around?: (d: DeferredQueue, backlog: ClientBacklog) => DeferredQueue) {
  const ns = await redisNamespace(name);
  const names = streamNames(ns.prefix);
  const keys = policyKeys(ns.prefix);
  const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
  const backlog = createClientBacklog(ns.redis, ns.prefix);
  const deferred = createDeferredQueue(ns.redis, ns.prefix, names.in);
  const handler = createPolicyHandler({
    redis: ns.redis, store, names, backlog, deferred: around ? around(deferred, backlog) : deferred,
    logger: pino({ level: 'silent' }), metrics: createAppMetrics(createMetricsRegistry(name)),
    route: createClientRouter([{ prefix: '44', smscs: ['uk'] }], []),
    policy: createMcp({ redis: ns.redis, keys, resolve: () => createPolicyResolver(emptyPolicySettings()) }),
  });
  const read = async (s: string) => ((await ns.redis.xrange(s, '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]!));
  const failures = async () => (await read(names.dlrIn)).map((e) => dlrInFailureSchema.parse(e));
  const asEntries = (ms: InEntry[], deliveries = 1) => ms.map((m, i) => ({ id: `${i + 1}-0`, data: m, deliveries, size: 0 }));
  return { ns, names, store, backlog, deferred, handler, read, failures, asEntries };
}

describe('policy-worker: messages cancelled before routing (cancel_sm, real Redis)', () => {
  it('a cancelled id in a read batch ends DELETED (failure in dlr-in) and is neither routed nor held; the others go on', async () => {
    const { ns, names, store, backlog, deferred, handler, read, failures, asEntries } = await setup('policy-cancel');
    try {
      const t = Date.now();
      const messages = [
        inEntry('kept'),
        inEntry('cancelled'),
        inEntry('cancelled-scheduled', 'acme', { due: t + 60_000 }),
        inEntry('globex-cancelled', 'globex'),
      ];
      for (const m of messages) await backlog.enqueue(names.in, m);
      for (const [sys, id] of [['acme', 'cancelled'], ['acme', 'cancelled-scheduled'], ['globex', 'globex-cancelled']]) expect(await backlog.cancel(sys!, id!)).toBe(true);
      expect((await handler(asEntries(messages))).ack).toHaveLength(4);
      expect((await read(names.out('uk'))).map((e) => e.id)).toEqual(['kept']);
      expect(await deferred.size()).toBe(0);
      // (Entries of a batch are written concurrently: compared in id order.)
      expect((await failures()).map((f) => [f.id, f.sys, f.state, f.reason]).sort()).toEqual([
        ['cancelled', 'acme', 'DELETED', 'cancelled by the client (cancel_sm)'],
        ['cancelled-scheduled', 'acme', 'DELETED', 'cancelled by the client (cancel_sm)'],
        ['globex-cancelled', 'globex', 'DELETED', 'cancelled by the client (cancel_sm)'],
      ]);
      // The failure carries the addresses as the client sent them (for its receipt).
      expect((await failures()).find((f) => f.id === 'cancelled')).toMatchObject({ src: { ton: 5, npi: 0, addr: 'ACME' }, dst: { ton: 1, npi: 1, addr: '447700900123' }, err: 0 });
      // A record exists for the dlr-worker to move to DELETED.
      expect((await store.get('cancelled'))?.state).toBe('ACCEPTED');
      expect((await store.get('kept'))?.state).toBe('ROUTED');
      expect(await backlog.counts(['acme', 'globex'])).toEqual(new Map([['acme', 1], ['globex', 0]]));
      const journal = (await read(names.journal)).flat();
      expect(journal.filter((r) => r.ev === 'accepted').map((r) => r.id).sort()).toEqual(['cancelled', 'cancelled-scheduled', 'globex-cancelled', 'kept']);
    } finally {
      await ns.cleanup();
    }
  });

  it('a released held message the ingress ended already is dropped without a second failure; a scheduled one not cancelled is held', async () => {
    const { ns, names, store, backlog, deferred, handler, read, failures, asEntries } = await setup('policy-cancel-release');
    try {
      const t = Date.now();
      // Held (SCHEDULED), then cancelled: the ingress moved the record to DELETED and wrote the failure.
      const held = inEntry('held');
      await backlog.enqueue(names.in, held);
      await store.createMessage({ id: 'held', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'SCHEDULED', at: t });
      expect(await backlog.cancel('acme', 'held')).toBe(true);
      await store.transition('held', 'DELETED', { at: t });
      const other = inEntry('other', 'acme', { due: t + 60_000 });
      await backlog.enqueue(names.in, other);
      // The release puts it back into `in`; a redelivery of the same entry is dropped as well.
      expect((await handler(asEntries([held, other]))).ack).toHaveLength(2);
      expect((await handler(asEntries([held], 2))).ack).toHaveLength(1);
      expect(await failures()).toEqual([]);
      expect(await read(names.out('uk'))).toEqual([]);
      expect((await store.get('held'))?.state).toBe('DELETED');
      expect(await deferred.size()).toBe(1); // only `other`
    } finally {
      await ns.cleanup();
    }
  });

  it('a lookup of the cancelled set that fails leaves the batch pending (nothing routed)', async () => {
    const { ns, names, handler, read, asEntries } = await setup('policy-cancel-fail');
    try {
      // A key of the wrong type makes ZMSCORE fail, as a Redis error would.
      await ns.redis.set(`${ns.prefix}:cancelled:{acme}`, 'x');
      expect(await handler(asEntries([inEntry('m1')]))).toEqual({ ack: [] });
      expect(await read(names.out('uk'))).toEqual([]);
    } finally {
      await ns.cleanup();
    }
  });
});

describe('policy-worker: messages replaced before routing (replace_sm, replace_if_present_flag, real Redis)', () => {
  it('routes a replaced message as replaced (its version stamped); a new schedule holds it; an up-to-date copy is left alone', async () => {
    const { ns, names, backlog, deferred, handler, read, asEntries } = await setup('policy-replace');
    try {
      const t = Date.now();
      const text = inEntry('text');
      const later = inEntry('later');
      const current = inEntry('current', 'acme', { rv: 1 });
      for (const m of [text, later, current]) await backlog.enqueue(names.in, m);
      expect(await backlog.replace('acme', 'text', { sm: Buffer.from('new text').toString('base64'), rd: 0 })).toBe(1);
      expect(await backlog.replace('acme', 'later', { due: t + 60_000 })).toBe(1);
      expect(await backlog.replace('acme', 'current', { rd: 0 })).toBe(1);
      expect((await handler(asEntries([text, later, current]))).ack).toHaveLength(3);
      const out = await read(names.out('uk'));
      expect(out.map((e) => [e.id, Buffer.from(e.sm, 'base64').toString(), e.rd, e.rv]).sort()).toEqual([
        ['current', 'hi', 1, 1], // carries version 1 already: nothing to apply
        ['text', 'new text', 0, 1],
      ]);
      // Held by its new schedule, as replaced: the release brings back version 1.
      expect(await deferred.size()).toBe(1);
      expect(await deferred.release(t + 60_000)).toBe(1);
      expect((await read(names.in)).filter((e) => e.id === 'later')).toMatchObject([{ id: 'later' }, { id: 'later', rv: 1, due: t + 60_000 }]);
    } finally {
      await ns.cleanup();
    }
  });

  it('a replace_sm or cancel_sm that comes while a message is being held (after its batch was read, before the hold) releases it at once', async () => {
    // What the ingress does for a held message, done at the worst moment: after the policy read
    // the batch's changes and before the message is held. Its early release (wake) finds nothing
    // held yet; the policy's look after the hold must release the message all the same.
    const t = Date.now();
    const changedDuringHold = new Map<string, (backlog: ClientBacklog) => Promise<unknown>>([
      ['replaced', (b) => b.replace('acme', 'replaced', { sm: Buffer.from('new text').toString('base64'), due: 0 })],
      ['cancelled', (b) => b.cancel('acme', 'cancelled')],
    ]);
    const wokenEarly: boolean[] = [];
    const { ns, names, store, backlog, deferred, handler, read, failures, asEntries } = await setup('policy-hold-race', (d, b) => ({
      ...d,
      async defer(entry, until) {
        const change = changedDuringHold.get(entry.id);
        if (change) {
          expect(await change(b)).toBeTruthy();
          wokenEarly.push(await d.wake(entry.id));
        }
        await d.defer(entry, until);
      },
    }));
    try {
      const messages = ['replaced', 'cancelled', 'untouched'].map((id) => inEntry(id, 'acme', { due: t + 3_600_000 }));
      for (const m of messages) await backlog.enqueue(names.in, m);
      expect((await handler(asEntries(messages))).ack).toHaveLength(3);
      expect(wokenEarly).toEqual([false, false]);
      expect((await store.get('replaced'))?.state).toBe('SCHEDULED');
      // Released now: the two the client changed; the untouched one keeps its hour.
      expect(await deferred.release(Date.now())).toBe(2);
      expect(await deferred.size()).toBe(1);
      const released = (await read(names.in)).slice(messages.length);
      expect(released.map((e) => e.id).sort()).toEqual(['cancelled', 'replaced']);
      // Met again, the replaced one goes now with its new text and the cancelled one ends DELETED.
      expect((await handler(asEntries(released.map((e) => inEntry(e.id, 'acme', e))))).ack).toHaveLength(2);
      expect((await read(names.out('uk'))).map((e) => [e.id, Buffer.from(e.sm, 'base64').toString()])).toEqual([['replaced', 'new text']]);
      expect((await failures()).map((f) => [f.id, f.state])).toEqual([['cancelled', 'DELETED']]);
    } finally {
      await ns.cleanup();
    }
  });

  it('checks the replaced text, not the accepted one: a replacement the content rules refuse is rejected', async () => {
    const ns = await redisNamespace('policy-replace-content');
    try {
      const names = streamNames(ns.prefix);
      const backlog = createClientBacklog(ns.redis, ns.prefix);
      const handler = createPolicyHandler({
        redis: ns.redis, store: createRedisStateStore({ redis: ns.redis, prefix: ns.prefix }), names, backlog,
        logger: pino({ level: 'silent' }), metrics: createAppMetrics(createMetricsRegistry('policy-replace-content')),
        route: createClientRouter([{ prefix: '44', smscs: ['uk'] }], []),
        policy: createMcp({ redis: ns.redis, keys: policyKeys(ns.prefix), resolve: () => createPolicyResolver({ ...emptyPolicySettings(), rules: [{ type: 'content-deny', pattern: 'casino', flags: 'i', keywords: [] }] }) }),
      });
      const m = inEntry('m1');
      await backlog.enqueue(names.in, m);
      await backlog.replace('acme', 'm1', { sm: Buffer.from('CASINO tonight').toString('base64') });
      await handler([{ id: '1-0', data: m, deliveries: 1, size: 0 }]);
      const fails = ((await ns.redis.xrange(names.dlrIn, '-', '+')) as [string, string[]][]).map(([, f]) => dlrInFailureSchema.parse(JSON.parse(f[1]!)));
      expect(fails).toMatchObject([{ id: 'm1', state: 'POLICY_REJECTED' }]);
    } finally {
      await ns.cleanup();
    }
  });
});
