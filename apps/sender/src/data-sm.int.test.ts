import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { dlrInItems, streamNames, type DlrInEntry, type OutEntry } from '@smsgw/contracts';
import { normaliseSmscMsgId } from '@smsgw/domain';
import { createAppMetrics, createMetricsRegistry, smscSchema } from '@smsgw/platform';
import { decodeFields, type StreamEntry } from '@smsgw/redis';
import { STATUS } from '@smsgw/smpp';
import { createRedisStateStore } from '@smsgw/store';
import { redisNamespace, startSmscSim, type SmscSimOptions } from '@smsgw/testing';
import { encodeGsm7 } from '@smsgw/sms-text';
import { createDeliverHandler } from './deliver-handler';
import { createMessageSender } from './message-sender';
import { createSmscLink } from './smsc-link';

const logger = pino({ level: 'silent' });

function outEntry(id: string, text: string, over: Partial<OutEntry> = {}): OutEntry {
  return {
    v: 1, id, sys: 'acme',
    src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
    dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' },
    dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: encodeGsm7(text)!.toString('base64'), at: Date.now(),
    pool: 'sim', smscs: ['sim'], rt: Date.now(), ...over,
  };
}

const entry = (data: OutEntry): StreamEntry => ({ id: `${Date.now()}-${Math.random()}`, data, deliveries: 1, size: 0 });

describe('sender and data_sm (SMPP v3.4 §4.7; real Redis, SMSC simulator over TCP)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A link to the simulator whose deliver_sm and data_sm go to dlr-in through the real handler. */
  async function setup(simOpts: SmscSimOptions, submitWith: 'submit_sm' | 'data_sm') {
    const ns = await redisNamespace('sender-data-sm');
    const sim = await startSmscSim({ port: 0, receiptDelayMs: 5, ...simOpts });
    const smsc = smscSchema.parse({
      id: 'sim', host: '127.0.0.1', port: sim.port, systemId: 'gw', password: 'gw', submitWith,
      enquireLinkMs: 0, responseTimeoutMs: 2_000, reconnectMinMs: 50, reconnectMaxMs: 500,
    });
    const metrics = createAppMetrics(createMetricsRegistry('sender-data-sm'));
    const names = streamNames(ns.prefix);
    const onDeliver = createDeliverHandler({ redis: ns.redis, names, prefix: ns.prefix, metrics });
    const link = createSmscLink({ smsc, logger, onDeliver: (pdu) => onDeliver('sim', pdu) });
    link.start();
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const handler = createMessageSender({
      redis: ns.redis, store, names, prefix: ns.prefix, links: new Map([['sim', link]]), limiters: new Map(), metrics, logger,
      retry: { minMs: 5, maxMs: 10, maxAttempts: 2 },
    });
    cleanups.push(ns.cleanup, () => sim.close(), () => link.stop());
    expect(await link.waitBound(5_000)).toBe(true);
    // Receipts that reached the sender in one tick share an entry: counted one by one.
    const written = async () => (await ns.redis.xrange(names.dlrIn, '-', '+')).flatMap(([, f]) => dlrInItems(decodeFields(f).data) as DlrInEntry[]);
    const dlrIn = async (n: number): Promise<DlrInEntry[]> => {
      await expect.poll(async () => (await written()).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(n);
      return written();
    };
    return { sim, store, handler, dlrIn };
  }

  it('submitWith data_sm: each part goes as data_sm (UDH in message_payload, receipt asked), and the receipt correlates', async () => {
    const { sim, store, handler, dlrIn } = await setup({}, 'data_sm');
    const text = 'z'.repeat(200) + ' end';
    await store.createMessage({ id: 'd1', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    // The client gave a validity: it reaches the SMSC as qos_time_to_live, the seconds left.
    const m = outEntry('d1', text, { vp: '000000010000000R', exp: Date.now() + 3_600_000 });
    expect(await handler([entry(m)])).toMatchObject({ ack: [expect.any(String)] });
    expect(sim.submits.map((s) => s.command)).toEqual(['data_sm', 'data_sm']);
    expect(sim.submits.map((s) => s.udh?.seq)).toEqual([1, 2]);
    for (const s of sim.submits) {
      expect(s).toMatchObject({ esmClass: 0x40, registeredDelivery: 1, shortMessage: Buffer.alloc(0) });
      expect(s.ttl).toBeGreaterThan(3_590);
      expect(s.ttl).toBeLessThanOrEqual(3_600);
    }
    expect(sim.messages()).toMatchObject([{ text, parts: 2 }]);
    const rec = await store.get('d1');
    expect(rec?.state).toBe('SUBMITTED');
    // data_sm_resp's message_id was kept like submit_sm_resp's: each part's receipt finds its part.
    const found: number[] = [];
    for (const r of await dlrIn(2)) {
      expect(r.k).toBe('receipt');
      const corr = await store.findCorrelation('sim', normaliseSmscMsgId(r.k === 'receipt' ? r.rmid! : ''));
      expect(corr).toMatchObject({ id: 'd1', parts: 2 });
      found.push(corr!.part);
    }
    expect(found.sort()).toEqual([0, 1]);
  });

  it('submitWith data_sm: a data_sm_resp error is classified like a submit_sm_resp one', async () => {
    const { sim, handler, dlrIn } = await setup({ errorRate: 1, errorStatus: STATUS.ESME_RINVDSTADR, receipts: false }, 'data_sm');
    await handler([entry(outEntry('d2', 'refused'))]);
    expect(sim.stats.submits).toBe(1); // permanent: not retried
    const [fail] = await dlrIn(1);
    expect(fail).toMatchObject({ k: 'fail', id: 'd2', state: 'UNDELIVERABLE', err: STATUS.ESME_RINVDSTADR, reason: 'data_sm_resp status 0xb' });
  });

  it('an SMSC that sends receipts as data_sm is answered data_sm_resp ROK, and the receipt reaches dlr-in', async () => {
    const { sim, store, handler, dlrIn } = await setup({ receiptsAs: 'data_sm' }, 'submit_sm');
    await store.createMessage({ id: 'd3', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
    await handler([entry(outEntry('d3', 'hello'))]);
    expect(sim.submits[0]!.command).toBe('submit_sm');
    const [r] = await dlrIn(1);
    await expect.poll(() => sim.stats.receiptsAcked).toBe(1);
    expect(r).toMatchObject({ k: 'receipt', smsc: 'sim', esm: 0x04, rmid: sim.submits[0]!.smscMsgId, mst: 2, src: { addr: '447700900123' }, dst: { addr: 'ACME' } });
    // The receipt text came in message_payload: it is what `sm` carries to the dlr-worker.
    const smText = Buffer.from(r!.k === 'receipt' ? r!.sm : '', 'base64').toString('latin1');
    expect(smText).toContain(`id:${sim.submits[0]!.smscMsgId}`);
    expect(smText).toContain('stat:DELIVRD');
  });
});
