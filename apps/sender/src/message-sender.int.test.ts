import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { streamNames, type OutEntry } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry, smscSchema, type SmscConfig } from '@smsgw/platform';
import { createRateLimiter, rateLimitKey, type BacklogMessage, type ClientBacklog, type StreamEntry } from '@smsgw/redis';
import { createRedisStateStore } from '@smsgw/store';
import { redisNamespace, startSmscSim, type SmscSim } from '@smsgw/testing';
import { encodeGsm7 } from '@smsgw/sms-text';
import { createMessageSender, senderLeaseKey } from './message-sender';
import { createSmscLink, type SmscLink } from './smsc-link';

const logger = pino({ level: 'silent' });

function outEntry(id: string, text: string): OutEntry {
  return {
    v: 1, id, sys: 'acme',
    src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
    dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' },
    dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: encodeGsm7(text)!.toString('base64'), at: Date.now(),
    pool: 'sim', smscs: ['sim'], rt: Date.now(),
  };
}

describe('sender (real Redis, SMSC simulator over TCP)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(simOpts: Parameters<typeof startSmscSim>[0] = {}, over: Partial<Parameters<typeof createMessageSender>[0]> = {}) {
    const ns = await redisNamespace('sender');
    const sim: SmscSim = await startSmscSim({ port: 0, receipts: false, ...simOpts });
    // Through the schema: every option this test does not name takes its default.
    const smsc: SmscConfig = smscSchema.parse({
      id: 'sim', host: '127.0.0.1', port: sim.port, systemId: 'gw', password: 'gw', sessions: 2, window: 10,
      enquireLinkMs: 0, responseTimeoutMs: 2_000, reconnectMinMs: 50, reconnectMaxMs: 500,
    });
    const metrics = createAppMetrics(createMetricsRegistry('sender-test'));
    const link: SmscLink = createSmscLink({ smsc, logger, onDeliver: async () => 0 });
    link.start();
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const names = streamNames(ns.prefix);
    const handler = createMessageSender({
      redis: ns.redis, store, names, prefix: ns.prefix, links: new Map([['sim', link]]), limiters: new Map(),
      metrics, logger, ...over,
    });
    cleanups.push(ns.cleanup, () => sim.close(), () => link.stop());
    expect(await link.waitBound(5_000)).toBe(true);
    return { ns, sim, store, names, handler, metrics };
  }

  const entry = (data: OutEntry, deliveries = 1): StreamEntry => ({ id: `${Date.now()}-${Math.random()}`, data, deliveries, size: 0 });

  it('sends a long message part by part in order and stores every SMSC id', async () => {
    const { sim, store, handler, metrics } = await setup();
    const text = 'x'.repeat(200) + ' end';
    await store.createMessage({ id: 'm1', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    const e = entry(outEntry('m1', text));
    expect(await handler([e])).toEqual({ ack: [e.id], requeue: [] });
    const msgs = sim.messages();
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ text, parts: 2 });
    expect(sim.submits.map((s) => s.udh?.seq)).toEqual([1, 2]);
    const rec = await store.get('m1');
    expect(rec?.state).toBe('SUBMITTED');
    expect(rec?.smscIds).toEqual(msgs[0].smscMsgIds.map((id) => id.toLowerCase().replace(/^0+(?=.)/, '')));
    expect(await store.findCorrelation('sim', rec!.smscIds[1]!)).toEqual({ id: 'm1', part: 1, parts: 2 });
    // Each part's round trip to the SMSC is timed, per link.
    const rtt = (await metrics.smscRoundTrip.get()).values.find((v) => v.metricName === 'smsgw_smsc_round_trip_seconds_count' && v.labels.peer === 'sim');
    expect(rtt?.value).toBe(2);
  });

  it('never submits a message twice: a redelivered entry and a duplicate entry are acked without a second submit', async () => {
    const { sim, store, handler } = await setup();
    await store.createMessage({ id: 'm2', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    const e = entry(outEntry('m2', 'hello'));
    await handler([e]);
    const again = entry(outEntry('m2', 'hello'), 2);
    const dup = entry(outEntry('m2', 'hello'), 1);
    expect(await handler([again, dup])).toEqual({ ack: [again.id, dup.id], requeue: [] });
    expect(sim.stats.submits).toBe(1);
  });

  it('retries a temporary error with backoff, failing nothing, and gives the message back when stopping', async () => {
    const stopping = new AbortController();
    const { ns, sim, names, handler } = await setup({ errorRate: 1 }, { signal: stopping.signal, retry: { minMs: 20, maxMs: 40, maxAttempts: 0 } });
    const e = entry(outEntry('m3', 'hello'));
    setTimeout(() => stopping.abort(), 400);
    expect(await handler([e])).toEqual({ ack: [], requeue: [e.id] });
    expect(sim.stats.submits).toBeGreaterThan(3); // retried with backoff
    expect(await ns.redis.xlen(names.dlrIn)).toBe(0); // nothing marked failed
    expect(await ns.redis.exists(senderLeaseKey(ns.prefix, 'acme', 'm3'))).toBe(0); // the next sender may claim it at once
  });

  it('ends a message UNDELIVERABLE after delivery.retry.maxAttempts temporary errors, with the SMSC status', async () => {
    const { ns, sim, names, handler } = await setup({ errorRate: 1 }, { retry: { minMs: 5, maxMs: 10, maxAttempts: 3 } });
    const e = entry(outEntry('m5', 'hello'));
    expect(await handler([e])).toEqual({ ack: [e.id], requeue: [] });
    expect(sim.stats.submits).toBe(3);
    const [[, fields]] = (await ns.redis.xrange(names.dlrIn, '-', '+')) as [string, string[]][];
    expect(JSON.parse(fields![1]!)).toMatchObject({ k: 'fail', id: 'm5', state: 'UNDELIVERABLE', err: 0x45 });
  });

  it('a copy of a sent message seen after its lease expired is still not sent again', async () => {
    const { ns, sim, store, handler } = await setup();
    await store.createMessage({ id: 'm4', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    await handler([entry(outEntry('m4', 'hello'))]);
    await ns.redis.del(senderLeaseKey(ns.prefix, 'acme', 'm4')); // the lease expired
    const late = { ...outEntry('m4', 'hello'), at: Date.now() - 10 * 60_000, rt: Date.now() - 10 * 60_000 }; // routed long ago
    const copy = entry(late, 1);
    expect(await handler([copy])).toEqual({ ack: [copy.id], requeue: [] });
    expect(sim.stats.submits).toBe(1);
  });

  it('takes over a lease its own failed handler left (its DEL ran while Redis was away); waits for one another sender holds instead of counting a failed delivery', async () => {
    const { ns, sim, store, handler } = await setup({}, { instance: 'sender-a' });
    await store.createMessage({ id: 'm6', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    await ns.redis.set(senderLeaseKey(ns.prefix, 'acme', 'm6'), 'sender-a', 'PX', 60_000);
    const stale = entry(outEntry('m6', 'hello'), 2);
    expect(await handler([stale])).toEqual({ ack: [stale.id], requeue: [] });
    expect(sim.stats.submits).toBe(1);

    await store.createMessage({ id: 'm7', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    await ns.redis.set(senderLeaseKey(ns.prefix, 'acme', 'm7'), 'sender-b', 'PX', 60_000);
    const busy = entry(outEntry('m7', 'hello'), 2);
    let done = false;
    const result = handler([busy]).finally(() => (done = true));
    await new Promise((r) => setTimeout(r, 1_200));
    expect(done).toBe(false); // waiting, not returned unacked to be counted again
    expect(sim.stats.submits).toBe(1);
    await ns.redis.del(senderLeaseKey(ns.prefix, 'acme', 'm7')); // sender-b let go without sending it
    expect(await result).toEqual({ ack: [busy.id], requeue: [] });
    expect(sim.stats.submits).toBe(2);
  });

  it('claims the leases of one batch together: a free one and its own stale one go, one another sender holds waits', async () => {
    const { ns, sim, store, handler } = await setup({}, { instance: 'sender-a' });
    for (const id of ['c1', 'c2', 'c3']) await store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    await ns.redis.set(senderLeaseKey(ns.prefix, 'acme', 'c2'), 'sender-b', 'PX', 60_000);
    await ns.redis.set(senderLeaseKey(ns.prefix, 'acme', 'c3'), 'sender-a', 'PX', 1_000);
    const es = ['c1', 'c2', 'c3'].map((id) => entry(outEntry(id, 'hello'), 2));
    let done = false;
    const result = handler(es).finally(() => (done = true));
    await expect.poll(() => sim.stats.submits).toBe(2);
    expect(done).toBe(false);
    // Taken over: renewed to this sender's full lease, not left to run out.
    expect(await ns.redis.pttl(senderLeaseKey(ns.prefix, 'acme', 'c3'))).toBeGreaterThan(5_000);
    await ns.redis.del(senderLeaseKey(ns.prefix, 'acme', 'c2'));
    expect(await result).toEqual({ ack: es.map((e) => e.id), requeue: [] });
    expect(sim.stats.submits).toBe(3);
  });

  it('takes the segments of every part from the pool and global limiters too', async () => {
    const ns = await redisNamespace('sender-limits');
    const sim: SmscSim = await startSmscSim({ port: 0, receipts: false });
    const smsc: SmscConfig = smscSchema.parse({ id: 'sim', host: '127.0.0.1', port: sim.port, systemId: 'gw', password: 'gw', enquireLinkMs: 0, reconnectMinMs: 50 });
    const link: SmscLink = createSmscLink({ smsc, logger, onDeliver: async () => 0 });
    link.start();
    cleanups.push(ns.cleanup, () => sim.close(), () => link.stop());
    const granted: Record<string, number> = {};
    const events = { granted: (key: string, n: number) => void (granted[key] = (granted[key] ?? 0) + n) };
    const limiter = (scope: string) => createRateLimiter(ns.redis, rateLimitKey(ns.prefix, scope), { rate: 1_000, burst: 100, leaseMs: 1 }, events);
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const handler = createMessageSender({
      redis: ns.redis, store, names: streamNames(ns.prefix), prefix: ns.prefix, links: new Map([['sim', link]]),
      limiters: new Map([['sim', limiter('link:sim')]]), poolLimiters: new Map([['sim', limiter('pool:sim')]]), globalLimiter: limiter('global'),
      metrics: createAppMetrics(createMetricsRegistry('sender-limits')), logger,
    });
    expect(await link.waitBound(5_000)).toBe(true);
    await store.createMessage({ id: 'm9', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    await handler([entry(outEntry('m9', 'y'.repeat(300)))]); // 2 parts
    expect(sim.stats.submits).toBe(2);
    for (const scope of ['link:sim', 'pool:sim', 'global']) expect(granted[rateLimitKey(ns.prefix, scope)]).toBeGreaterThanOrEqual(2);
  });

  it('sends the parts of a client-concatenated message in order, one after the other, on one session', async () => {
    const { sim, store, handler } = await setup();
    const texts = ['Hello from ', 'the client ', 'in three parts'];
    const parts = texts.map((t, i) => ({
      ...outEntry(`g${i + 1}`, ''),
      esm: 0x40,
      // 8-bit reference concatenation UDH: 05 00 03 ref total seq, then GSM text
      sm: Buffer.concat([Buffer.from([5, 0, 3, 0x2a, 3, i + 1]), encodeGsm7(t)!]).toString('base64'),
    }));
    for (const p of parts) await store.createMessage({ id: p.id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    const e = { id: '1-0', data: { k: 'group', pool: 'sim', parts }, deliveries: 1, size: 0 };
    expect(await handler([e])).toEqual({ ack: ['1-0'], requeue: [] });
    expect(sim.submits.map((x) => x.udh?.seq)).toEqual([1, 2, 3]);
    expect(sim.messages()).toMatchObject([{ text: texts.join(''), parts: 3 }]);
    for (const p of parts) expect((await store.get(p.id))?.state).toBe('SUBMITTED');
    // Redelivered: nothing is sent twice.
    expect(await handler([{ ...e, deliveries: 2 }])).toEqual({ ack: ['1-0'], requeue: [] });
    expect(sim.stats.submits).toBe(3);
  });

  it('sends a SAR part as it came, with its SAR TLVs', async () => {
    const { sim, store, handler } = await setup();
    const m = { ...outEntry('s1', 'first half '), sar: { ref: 0x1234, total: 2, seq: 1 } };
    await store.createMessage({ id: 's1', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    await handler([entry(m)]);
    expect(sim.submits[0]).toMatchObject({ udh: { ref: 0x1234, total: 2, seq: 1 }, text: 'first half ' });
  });

  it('takes every message that ends here out of its client backlog (sent, expired, each part of a group, a duplicate again); one given back stays', async () => {
    const removed: BacklogMessage[] = [];
    // (No cancel here: every hand-off goes; message-cancel.int.test.ts races real ones.)
    const backlog = { remove: async (ms: Iterable<BacklogMessage>) => void removed.push(...ms), handoff: async () => 'go', pendingPlace: () => undefined } as unknown as ClientBacklog;
    const stopping = new AbortController();
    const { ns, store, handler } = await setup({}, { backlog, signal: stopping.signal });
    const routed = (id: string) => store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    for (const id of ['b1', 'b2', 'bg1', 'bg2', 'b3']) await routed(id);
    const group = { id: '1-0', data: { k: 'group', pool: 'sim', parts: [outEntry('bg1', 'one'), outEntry('bg2', 'two')] }, deliveries: 1, size: 0 };
    const sent = entry(outEntry('b1', 'hello'));
    const expired = entry({ ...outEntry('b2', 'late'), exp: Date.now() - 1 });
    expect((await handler([sent, expired, group])).ack).toHaveLength(3);
    expect(removed.map((m) => m.id).sort()).toEqual(['b1', 'b2', 'bg1', 'bg2']);
    removed.length = 0;
    await handler([entry(outEntry('b1', 'hello'), 2)]); // redelivered: a duplicate, removed again (harmless)
    expect(removed).toEqual([{ id: 'b1', sys: 'acme' }]);
    removed.length = 0;
    // Another sender holds b3's lease; this one stops meanwhile: b3 is still in flight.
    await ns.redis.set(senderLeaseKey(ns.prefix, 'acme', 'b3'), 'sender-b', 'PX', 60_000);
    setTimeout(() => stopping.abort(), 300);
    expect((await handler([entry(outEntry('b3', 'wait'), 2)])).ack).toEqual([]);
    expect(removed).toEqual([]);
  });
});
