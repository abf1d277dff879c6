import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { GROUPS, streamNames, clientReceiptSchema, type DlrInEntry } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { createBlockingRedis, createReceiptEmitter, createStreamConsumer, xaddEntry } from '@smsgw/redis';
import { createRedisStateStore } from '@smsgw/store';
import { formatReceiptText } from '@smsgw/sms-text';
import { normaliseSmscMsgId } from '@smsgw/domain';
import { redisNamespace } from '@smsgw/testing';
import { createReceiptHandler } from './receipt-handler';
import { createAggregateTracker } from './aggregate-tracker';

const until = async (cond: () => Promise<boolean>, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const addr = (a: string) => ({ ton: 1, npi: 1, addr: a });

function receiptEntry(smscMsgId: string, stat = 'DELIVRD', from = '447700900123'): DlrInEntry {
  const text = formatReceiptText({ id: smscMsgId, sub: 1, dlvrd: stat === 'DELIVRD' ? 1 : 0, submitDate: new Date(), doneDate: new Date(), stat, err: '000', text: '' });
  return { k: 'receipt', smsc: 'sim', src: addr(from), dst: { ton: 5, npi: 0, addr: 'ACME' }, esm: 4, dc: 0, sm: Buffer.from(text).toString('base64'), at: Date.now() };
}

describe('dlr-worker receipt handling (real Redis)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(
    orphanAfterMs = 5_000,
    idFormats?: Map<string, 'text' | 'dec' | 'hex'>,
    policy: { multipart: 'aggregate' | 'per-part'; aggregateTimeoutMs: number } = { multipart: 'aggregate', aggregateTimeoutMs: 60_000 },
  ) {
    const ns = await redisNamespace('dlr');
    const names = streamNames(ns.prefix);
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const metrics = createAppMetrics(createMetricsRegistry('dlr-test'));
    const receipts = createReceiptHandler({
      redis: ns.redis, store, names, metrics, logger: pino({ level: 'silent' }), group: GROUPS.dlr,
      emitReceipt: createReceiptEmitter(ns.redis, { prefix: ns.prefix }),
      clientPolicy: () => policy,
      moRoute: (dst) => (dst === '12345' ? 'acme' : null),
      aggregates: createAggregateTracker(ns.redis, ns.prefix),
      orphanAfterMs, retryDelayMs: 100, idFormats,
    });
    const consumer = createStreamConsumer({
      redis: ns.redis, blocking: createBlockingRedis(ns.target), stream: names.dlrIn, group: GROUPS.dlr, consumer: 'c',
      blockMs: 50, claimIdleMs: 1_000,
      handler: receipts.handle,
    });
    await consumer.start();
    cleanups.push(ns.cleanup, () => consumer.stop());
    const clientReceipts = async () =>
      ((await ns.redis.xrange(names.dlr('acme'), '-', '+')) as [string, string[]][]).map(([, f]) => clientReceiptSchema.parse(JSON.parse(f[1])));
    const create = (id: string, rd = 1) => store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd, state: 'ROUTED', pool: 'sim', at: Date.now() });
    return { ns, names, store, clientReceipts, create, receipts, metrics };
  }

  it('a receipt that arrives before its submit_sm_resp mapping waits and then correlates', async () => {
    const { ns, names, store, clientReceipts, create, metrics } = await setup();
    await create('m-1');
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('00ABC'));
    await new Promise((r) => setTimeout(r, 400));
    expect(await clientReceipts()).toHaveLength(0); // nothing to correlate with yet
    await store.recordSubmit('m-1', { part: 0, parts: 1, smsc: 'sim', smscMsgId: 'abc', at: Date.now() });
    await store.transition('m-1', 'SUBMITTED', { at: Date.now(), smsc: 'sim' });
    await until(async () => (await clientReceipts()).length === 1);
    const [r] = await clientReceipts();
    expect(r).toMatchObject({ id: 'm-1', state: 'DELIVERED', stat: 'DELIVRD', src: { addr: 'ACME' }, dst: { addr: '447700900123' } });
    expect((await store.get('m-1'))?.state).toBe('DELIVERED');
    // Timed from the SMSC's acknowledgement to its final receipt, per SMSC.
    const delay = (await metrics.receiptDelay.get()).values.find((v) => v.metricName === 'smsgw_submit_to_receipt_seconds_count' && v.labels.peer === 'sim');
    expect(delay?.value).toBe(1);
  });

  it('a duplicate receipt gives no second client receipt; a multipart message gets one when all parts are final', async () => {
    const { ns, names, store, clientReceipts, create } = await setup();
    await create('m-2');
    await store.recordSubmit('m-2', { part: 0, parts: 2, smsc: 'sim', smscMsgId: 'p0', at: Date.now() });
    await store.recordSubmit('m-2', { part: 1, parts: 2, smsc: 'sim', smscMsgId: 'p1', at: Date.now() });
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('p0'));
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('p0'));
    await new Promise((r) => setTimeout(r, 300));
    expect(await clientReceipts()).toHaveLength(0);
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('p1', 'UNDELIV'));
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('p1', 'UNDELIV'));
    await until(async () => (await clientReceipts()).length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    const rs = await clientReceipts();
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ id: 'm-2', state: 'UNDELIVERABLE', stat: 'UNDELIV', dlvrd: 0 });
  });

  it('submit_multi: each destination gets its own receipt, carrying the client\'s message_id (cid) from that destination', async () => {
    const { ns, names, store, clientReceipts, create } = await setup();
    const dests = { 'd-1': '447700900001', 'd-2': '447700900002', 'd-3': '447700900003' };
    for (const [id, dst] of Object.entries(dests)) {
      await store.createMessage({ id, cid: 'c-1', sys: 'acme', src: 'ACME', dst, rd: 1, state: 'ROUTED', pool: 'sim', at: Date.now() });
    }
    await store.recordSubmit('d-1', { part: 0, parts: 1, smsc: 'sim', smscMsgId: 'x1', at: Date.now() });
    await store.recordSubmit('d-2', { part: 0, parts: 1, smsc: 'sim', smscMsgId: 'x2', at: Date.now() });
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('x1', 'DELIVRD', dests['d-1']));
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('x2', 'UNDELIV', dests['d-2']));
    // The third destination was refused by the policy: its failure ends it like a submit_sm's.
    await xaddEntry(ns.redis, names.dlrIn, {
      k: 'fail', id: 'd-3', sys: 'acme', src: { ton: 5, npi: 0, addr: 'ACME' }, dst: addr(dests['d-3']), state: 'POLICY_REJECTED', err: 0x0b, reason: 'blacklist', at: Date.now(),
    });
    // A redelivered receipt of one destination gives no second client receipt (dedupe per internal id).
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('x1', 'DELIVRD', dests['d-1']));
    await until(async () => (await clientReceipts()).length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    const rs = (await clientReceipts()).sort((a, b) => a.id.localeCompare(b.id));
    expect(rs.map((r) => [r.id, r.cid, r.dst.addr, r.stat])).toEqual([
      ['d-1', 'c-1', dests['d-1'], 'DELIVRD'],
      ['d-2', 'c-1', dests['d-2'], 'UNDELIV'],
      ['d-3', 'c-1', dests['d-3'], 'REJECTD'],
    ]);
    // A message of its own (submit_sm) has no cid: the receipt shows its id.
    await create('solo');
    await store.recordSubmit('solo', { part: 0, parts: 1, smsc: 'sim', smscMsgId: 'x9', at: Date.now() });
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('x9'));
    await until(async () => (await clientReceipts()).length === 4);
    expect((await clientReceipts()).find((r) => r.id === 'solo')).not.toHaveProperty('cid');
  });

  it('a `receipts` entry: each receipt handled as its own; one too early goes back alone, a malformed one to dead letters', async () => {
    const { ns, names, store, clientReceipts, create } = await setup();
    for (const id of ['b-1', 'b-2', 'b-3']) await create(id);
    await store.recordSubmit('b-1', { part: 0, parts: 1, smsc: 'sim', smscMsgId: 'bb1', at: Date.now() });
    await store.recordSubmit('b-2', { part: 0, parts: 1, smsc: 'sim', smscMsgId: 'bb2', at: Date.now() });
    // b-3's submit_sm_resp mapping is not stored yet when its receipt comes.
    const items = [receiptEntry('bb1'), receiptEntry('bb2', 'UNDELIV'), { k: 'receipt', smsc: 'sim' }, receiptEntry('bb3')];
    const id = await xaddEntry(ns.redis, names.dlrIn, { k: 'receipts', items });
    await until(async () => (await clientReceipts()).length === 2);
    expect((await clientReceipts()).map((r) => `${r.id}:${r.stat}`).sort()).toEqual(['b-1:DELIVRD', 'b-2:UNDELIV']);
    // The bad item is dead-lettered by itself, with its place in the entry.
    const dead = ((await ns.redis.xrange(names.dead, '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]!));
    expect(dead).toEqual([{ stream: names.dlrIn, id, item: 2, error: 'malformed', data: { k: 'receipt', smsc: 'sim' } }]);
    // The early one went back alone (with when it was first seen); the entry is acked.
    await until(async () => ((await ns.redis.xpending(names.dlrIn, GROUPS.dlr)) as [number])[0] <= 1 && (await ns.redis.xlen(names.dlrIn)) >= 2);
    await store.recordSubmit('b-3', { part: 0, parts: 1, smsc: 'sim', smscMsgId: 'bb3', at: Date.now() });
    await until(async () => (await clientReceipts()).length === 3);
    const again = ((await ns.redis.xrange(names.dlrIn, '-', '+')) as [string, string[]][]).slice(1).map(([, f]) => JSON.parse(f[1]!));
    // (Each 100 ms until it correlated: every copy is that one receipt, alone, first-seen time kept.)
    expect(again.length).toBeGreaterThanOrEqual(1);
    for (const a of again) expect(a).toEqual({ ...items[3], first: again[0].first });
    await until(async () => ((await ns.redis.xpending(names.dlrIn, GROUPS.dlr)) as [number])[0] === 0);
    expect(await clientReceipts()).toHaveLength(3);
  });

  it('a receipt that never correlates is journaled as orphaned, not dropped silently', async () => {
    const { ns, names } = await setup(200);
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('nobody'));
    await until(async () => {
      const j = (await ns.redis.xrange(names.journal, '-', '+')) as [string, string[]][];
      return j.some(([, f]) => f[1].includes('receipt_orphaned'));
    });
    await until(async () => ((await ns.redis.xpending(names.dlrIn, GROUPS.dlr)) as [number])[0] === 0);
  });

  it('a failure ends the message and honours registered_delivery', async () => {
    const { ns, names, store, clientReceipts, create } = await setup();
    await create('m-3', 1);
    await create('m-4', 0);
    for (const id of ['m-3', 'm-4']) {
      await xaddEntry(ns.redis, names.dlrIn, { k: 'fail', id, sys: 'acme', src: { ton: 5, npi: 0, addr: 'ACME' }, dst: addr('447700900123'), state: 'FAILED', err: 0x45, reason: 'x', at: Date.now() });
    }
    await until(async () => (await store.get('m-4'))?.state === 'FAILED');
    await until(async () => (await clientReceipts()).length === 1);
    const [r] = await clientReceipts();
    expect(r).toMatchObject({ id: 'm-3', state: 'FAILED', stat: 'UNDELIV', err: '069' });
  });

  it('correlates receipts written in hex with submit ids that were decimal (per-SMSC id formats)', async () => {
    const { ns, names, store, clientReceipts, create } = await setup(5_000, new Map([['sim', 'hex' as const]]));
    await create('m-5');
    // The sender stored the submit_sm_resp id "255" of a 'dec' SMSC in its canonical form.
    await store.recordSubmit('m-5', { part: 0, parts: 1, smsc: 'sim', smscMsgId: normaliseSmscMsgId('255', 'dec'), at: Date.now() });
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('000000FF'));
    await until(async () => (await clientReceipts()).length === 1);
    expect((await clientReceipts())[0]).toMatchObject({ id: 'm-5', stat: 'DELIVRD' });
  });

  async function threeParts(store: Awaited<ReturnType<typeof setup>>['store'], create: Awaited<ReturnType<typeof setup>>['create'], id: string) {
    await create(id);
    for (const part of [0, 1, 2]) await store.recordSubmit(id, { part, parts: 3, smsc: 'sim', smscMsgId: `${id}-p${part}`, at: Date.now() });
  }

  it('per-part policy: one client receipt per part, each once, and the message ends with the last', async () => {
    const { ns, names, store, clientReceipts, create } = await setup(5_000, undefined, { multipart: 'per-part', aggregateTimeoutMs: 60_000 });
    await threeParts(store, create, 'm-6');
    for (const [p, stat] of [[0, 'DELIVRD'], [1, 'DELIVRD'], [1, 'DELIVRD'], [2, 'UNDELIV']] as const) {
      await xaddEntry(ns.redis, names.dlrIn, receiptEntry(`m-6-p${p}`, stat));
    }
    await until(async () => (await store.get('m-6'))?.state === 'UNDELIVERABLE');
    await new Promise((r) => setTimeout(r, 200));
    // Parts of one batch are handled concurrently (and on a cluster their writes go to different
    // nodes), so receipts of different parts may reach the client in either order; each part's
    // receipt comes exactly once, the duplicate of part 1 none.
    const got = (await clientReceipts()).map((r) => `${r.id}:${r.stat}`).sort();
    expect(got).toEqual(['m-6:DELIVRD', 'm-6:DELIVRD', 'm-6:UNDELIV']);
  });

  it('aggregate policy: a part whose receipt never comes counts as UNKNOWN once the timeout passes', async () => {
    const { ns, names, store, clientReceipts, create, receipts } = await setup(5_000, undefined, { multipart: 'aggregate', aggregateTimeoutMs: 300 });
    await threeParts(store, create, 'm-7');
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('m-7-p0'));
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('m-7-p1'));
    await until(async () => (await store.get('m-7'))?.partStates.filter(Boolean).length === 2);
    expect(await receipts.sweep()).toBe(0); // not due yet
    await new Promise((r) => setTimeout(r, 350));
    expect(await receipts.sweep()).toBe(1);
    const rs = await clientReceipts();
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ id: 'm-7', state: 'UNKNOWN', stat: 'UNKNOWN', src: { addr: 'ACME' } });
    expect((await store.get('m-7'))?.state).toBe('UNKNOWN');
    // The late third receipt changes nothing and sends nothing.
    await xaddEntry(ns.redis, names.dlrIn, receiptEntry('m-7-p2'));
    await new Promise((r) => setTimeout(r, 300));
    expect(await clientReceipts()).toHaveLength(1);
    expect(await receipts.sweep()).toBe(0);
  });

  it('routes an MO to the client owning the number (once), and journals one nobody owns', async () => {
    const { ns, names } = await setup();
    const mo = (dst: string) => ({ k: 'mo' as const, smsc: 'sim', src: addr('447700900123'), dst: { ton: 0, npi: 0, addr: dst }, dc: 0, sm: Buffer.from('STOP').toString('base64'), at: Date.now() });
    await xaddEntry(ns.redis, names.dlrIn, mo('12345'));
    await xaddEntry(ns.redis, names.dlrIn, mo('999'));
    const stream = async () => ((await ns.redis.xrange(names.dlr('acme'), '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]));
    await until(async () => (await stream()).length === 1);
    expect((await stream())[0]).toMatchObject({ k: 'mo', dst: { addr: '12345' }, sm: Buffer.from('STOP').toString('base64') });
    await until(async () => {
      const j = ((await ns.redis.xrange(names.journal, '-', '+')) as [string, string[]][]).flatMap(([, f]) => JSON.parse(f[1]));
      return j.some((r: { ev: string; dst: string }) => r.ev === 'mo_unroutable' && r.dst === '999') && j.some((r: { ev: string; sys: string }) => r.ev === 'mo_received' && r.sys === 'acme');
    });
  });
});
