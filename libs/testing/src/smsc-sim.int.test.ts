import { afterEach, describe, expect, it } from 'vitest';
import { connectSession, ESM_CLASS, getTlv, STATUS, TLV, tlvCString, tlvUint8, uint16Tlv, uint8Tlv, bindSession, type Pdu } from '@smsgw/smpp';
import { parseReceiptText } from '@smsgw/sms-text';
import { startSmscSim, type SmscSimOptions } from './smsc-sim';
import { connectTestClient, type TestClient } from './smpp-test-client';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function setup(simOpts: SmscSimOptions = {}, mode: 'transceiver' | 'transmitter' | 'receiver' = 'transceiver') {
  const sim = await startSmscSim({ receiptDelayMs: 5, ...simOpts });
  closers.push(() => sim.close());
  const client = await connectTestClient({ host: sim.host, port: sim.port, systemId: 'acme', password: 'secret', mode });
  closers.push(() => client.close());
  return { sim, client };
}

const receiptId = (p: Pdu) => tlvCString(getTlv(p, TLV.receipted_message_id));

describe('SMSC simulator + test client', () => {
  it('bind, submit, and a receipt whose id matches the submit_sm_resp message_id', async () => {
    const { sim, client } = await setup();
    const resp = await client.submit({ source_addr: 'ACME', destination_addr: '491701234567', registered_delivery: 1, short_message: Buffer.from('Hello world') });
    expect(resp).toMatchObject({ command: 'submit_sm_resp', status: 0 });
    expect(resp.message_id).toMatch(/^[0-9a-f]{8}$/);
    const [r] = await client.waitForReceipts(1);
    expect(r!.esm_class! & ESM_CLASS.TYPE_MASK).toBe(ESM_CLASS.DELIVERY_RECEIPT);
    expect(r!.source_addr).toBe('491701234567');
    expect(r!.destination_addr).toBe('ACME');
    expect(receiptId(r!)).toBe(resp.message_id);
    expect(tlvUint8(getTlv(r!, TLV.message_state))).toBe(2);
    const text = parseReceiptText(r!.short_message!.toString('latin1'));
    expect(text).toMatchObject({ id: resp.message_id, stat: 'DELIVRD', err: '000', text: 'Hello world' });
    expect(sim.submits).toHaveLength(1);
    expect(sim.submits[0]).toMatchObject({ smscMsgId: resp.message_id, text: 'Hello world', destination: '491701234567' });
    await expect.poll(() => sim.stats.receiptsAcked).toBe(1);
    expect(sim.stats).toMatchObject({ binds: 1, submits: 1, accepted: 1, receiptsSent: 1, throttled: 0, errors: 0 });
  });

  it('no receipt without registered_delivery; decimal ids on request', async () => {
    const { sim, client } = await setup({ idFormat: 'dec' });
    const a = await client.submit({ destination_addr: '1', short_message: Buffer.from('x') });
    const b = await client.submit({ destination_addr: '2', short_message: Buffer.from('y'), registered_delivery: 1 });
    expect(a.message_id).toMatch(/^\d+$/);
    const [r] = await client.waitForReceipts(1);
    expect(receiptId(r!)).toBe(b.message_id);
    await new Promise((res) => setTimeout(res, 50));
    expect(client.receipts).toHaveLength(1);
    expect(sim.stats.receiptsSent).toBe(1);
  });

  it('reassembles long messages: UDH (GSM and UCS-2) and SAR TLVs', async () => {
    const { sim, client } = await setup();
    const gsm = 'Long GSM text with € and {braces} '.repeat(8);
    const ucs = 'Привет, мир! 😀 '.repeat(10);
    const r1 = await client.submitText('ACME', '4911', gsm);
    const r2 = await client.submitText('ACME', '4912', ucs);
    expect(r1.length).toBeGreaterThan(1);
    expect(r2.length).toBeGreaterThan(1);
    for (const [seq, text] of [[1, 'abc'], [2, 'def']] as const) {
      await client.submit({
        source_addr: 'ACME',
        destination_addr: '4913',
        short_message: Buffer.from(text),
        tlvs: [uint16Tlv(TLV.sar_msg_ref_num, 0x1234), uint8Tlv(TLV.sar_total_segments, 2), uint8Tlv(TLV.sar_segment_seqnum, seq)],
      });
    }
    await client.submitText('ACME', '4914', 'short one');
    const msgs = sim.messages();
    expect(msgs.map((m) => [m.destination, m.text, m.parts])).toEqual([
      ['4911', gsm, r1.length],
      ['4912', ucs, r2.length],
      ['4913', 'abcdef', 2],
      ['4914', 'short one', 1],
    ]);
    expect(msgs[0]!.smscMsgIds).toEqual(r1.map((r) => r.message_id));
  });

  it('answers ESME_RTHROTTLED above the configured rate', async () => {
    const { sim, client } = await setup({ throttleAbovePerSec: 3 });
    const resps = await Promise.all(Array.from({ length: 8 }, (_, i) => client.submit({ destination_addr: String(i), short_message: Buffer.from('t') })));
    const throttled = resps.filter((r) => r.status === STATUS.ESME_RTHROTTLED).length;
    // All 8 may straddle a second boundary: at most 3 per second are accepted.
    expect(throttled).toBeGreaterThanOrEqual(2);
    expect(sim.stats.throttled).toBe(throttled);
    expect(sim.stats.accepted).toBe(8 - throttled);
  });

  it('answers ESME_RSUBMITFAIL for the configured error rate', async () => {
    const { sim, client } = await setup({ errorRate: 1 });
    const r = await client.submit({ destination_addr: '1', short_message: Buffer.from('x') });
    expect(r.status).toBe(STATUS.ESME_RSUBMITFAIL);
    expect(sim.stats).toMatchObject({ submits: 1, errors: 1, accepted: 0 });
  });

  it('receiptBeforeResp: the receipt arrives before the submit_sm_resp', async () => {
    const { client } = await setup({ receiptBeforeResp: true });
    const resp = await client.submit({ destination_addr: '1', short_message: Buffer.from('race'), registered_delivery: 1 });
    // The deliver_sm was written first on the same socket, so it is already here.
    expect(client.receipts).toHaveLength(1);
    expect(receiptId(client.receipts[0]!)).toBe(resp.message_id);
  });

  it('duplicateReceipts: every receipt twice; a cancel before the first stops both', async () => {
    const { sim, client } = await setup({ receiptDelayMs: 30, duplicateReceipts: true });
    const kept = await client.submit({ source_addr: 'ACME', destination_addr: '1', short_message: Buffer.from('twice'), registered_delivery: 1 });
    const cancelled = await client.submit({ source_addr: 'ACME', destination_addr: '2', short_message: Buffer.from('never'), registered_delivery: 1 });
    const c = await client.session.request({ command: 'cancel_sm', message_id: cancelled.message_id, source_addr: 'ACME' });
    expect(c.status).toBe(STATUS.ESME_ROK);
    const start = Date.now();
    await client.waitForReceipts(2);
    expect(client.receipts.map(receiptId)).toEqual([kept.message_id, kept.message_id]);
    await new Promise((r) => setTimeout(r, 80 - (Date.now() - start)));
    expect(client.receipts).toHaveLength(2);
    expect(sim.stats.receiptsSent).toBe(2);
  });

  it('respondDelayMs: the submit_sm_resp waits, the receipt (sooner) comes first, in submit order', async () => {
    const { client } = await setup({ respondDelayMs: 60, receiptDelayMs: 5 });
    const t0 = Date.now();
    const [a, b] = await Promise.all([
      client.submit({ destination_addr: '1', short_message: Buffer.from('a'), registered_delivery: 1 }),
      client.submit({ destination_addr: '2', short_message: Buffer.from('b'), registered_delivery: 1 }),
    ]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    expect(client.receipts.map(receiptId)).toEqual([a.message_id, b.message_id]);
  });

  it('checks credentials and bind state', async () => {
    const sim = await startSmscSim({ systemId: 'acme', password: 'secret' });
    closers.push(() => sim.close());
    const err = await connectTestClient({ host: sim.host, port: sim.port, systemId: 'acme', password: 'wrong' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: STATUS.ESME_RBINDFAIL });
    const rx = await connectTestClient({ host: sim.host, port: sim.port, systemId: 'acme', password: 'secret', mode: 'receiver' });
    closers.push(() => rx.close());
    expect((await rx.submit({ destination_addr: '1' })).status).toBe(STATUS.ESME_RINVBNDSTS);
    expect((await rx.session.request({ command: 'bind_receiver', system_id: 'acme', password: 'secret' })).status).toBe(STATUS.ESME_RALYBND);
    const raw = await connectSession({ host: sim.host, port: sim.port });
    closers.push(() => raw.destroy());
    expect((await raw.request({ command: 'submit_sm', destination_addr: '1' })).status).toBe(STATUS.ESME_RINVBNDSTS);
  });

  it('routes a receipt to another receiver of the same system_id, or queues it until one binds', async () => {
    const { sim, client: tx } = await setup({ receiptDelayMs: 1 }, 'transmitter');
    const resp = await tx.submit({ destination_addr: '1', short_message: Buffer.from('q'), registered_delivery: 1 });
    await new Promise((r) => setTimeout(r, 30));
    expect(sim.stats.receiptsSent).toBe(0);
    const rx: TestClient = await connectTestClient({ host: sim.host, port: sim.port, systemId: 'acme', password: 'x', mode: 'receiver' });
    closers.push(() => rx.close());
    const [r] = await rx.waitForReceipts(1);
    expect(receiptId(r!)).toBe(resp.message_id);
    // Now a receiver is bound: the next receipt goes to it directly.
    const resp2 = await tx.submit({ destination_addr: '2', short_message: Buffer.from('q2'), registered_delivery: 1 });
    await rx.waitForReceipts(2);
    expect(receiptId(rx.receipts[1]!)).toBe(resp2.message_id);
    expect(tx.receipts).toHaveLength(0);
  });

  it('gives a receipt whose receiver dropped before answering to another bound receiver at once', async () => {
    const sim = await startSmscSim({ receiptDelayMs: 1 });
    closers.push(() => sim.close());
    const other = await connectTestClient({ host: sim.host, port: sim.port, systemId: 'acme', password: 'x', mode: 'receiver' });
    closers.push(() => other.close());
    // A transceiver that takes the receipt and dies without deliver_sm_resp (a killed process).
    const dying = await connectSession({ host: sim.host, port: sim.port });
    closers.push(() => dying.destroy());
    await bindSession(dying, { mode: 'transceiver', system_id: 'acme', password: 'x' });
    const got = new Promise<void>((r) => dying.on('pdu', (p: Pdu) => p.command === 'deliver_sm' && r()));
    const resp = await dying.request({ command: 'submit_sm', destination_addr: '1', short_message: Buffer.from('q'), registered_delivery: 1 });
    await got;
    dying.destroy();
    const [r] = await other.waitForReceipts(1, 3_000);
    expect(receiptId(r!)).toBe(resp.message_id);
  });

  it('a bindSession against the sim reports the SMSC system_id', async () => {
    const sim = await startSmscSim();
    closers.push(() => sim.close());
    const s = await connectSession({ host: sim.host, port: sim.port });
    closers.push(() => s.destroy());
    expect((await bindSession(s, { mode: 'transmitter', system_id: 'any', password: 'any' })).system_id).toBe('SMSCSIM');
  });

  it('accepts data_sm (§4.7) like a submit: data_sm_resp with an id, recorded, and its receipt', async () => {
    const { sim, client } = await setup();
    const resp = await client.session.request({
      command: 'data_sm', source_addr: 'ACME', destination_addr: '491701234567', registered_delivery: 1, data_coding: 0,
      tlvs: [{ tag: TLV.message_payload, value: Buffer.from('Hello data') }, { tag: TLV.qos_time_to_live, value: Buffer.from([0, 0, 0x0e, 0x10]) }],
    });
    expect(resp).toMatchObject({ command: 'data_sm_resp', status: 0 });
    expect(sim.submits[0]).toMatchObject({ command: 'data_sm', smscMsgId: resp.message_id, text: 'Hello data', ttl: 3_600 });
    const [r] = await client.waitForReceipts(1);
    expect(r).toMatchObject({ command: 'deliver_sm' });
    expect(receiptId(r!)).toBe(resp.message_id);
    // On a receiver bind it is refused like submit_sm (§2.3).
    const rx = await connectTestClient({ host: sim.host, port: sim.port, systemId: 'acme', password: 'x', mode: 'receiver' });
    closers.push(() => rx.close());
    expect((await rx.session.request({ command: 'data_sm', destination_addr: '1', tlvs: [] })).status).toBe(STATUS.ESME_RINVBNDSTS);
    expect(sim.stats.accepted).toBe(1);
  });

  it('receiptsAs data_sm: the receipt comes as data_sm, text in message_payload, with the receipt TLVs', async () => {
    const sim = await startSmscSim({ receiptDelayMs: 1, receiptsAs: 'data_sm' });
    closers.push(() => sim.close());
    const s = await connectSession({ host: sim.host, port: sim.port });
    closers.push(() => s.destroy());
    await bindSession(s, { mode: 'transceiver', system_id: 'acme', password: 'x' });
    const got = new Promise<Pdu>((resolve) =>
      s.on('pdu', (p: Pdu) => {
        s.respond(p);
        resolve(p);
      }),
    );
    const resp = await s.request({ command: 'submit_sm', source_addr: 'ACME', destination_addr: '4911', short_message: Buffer.from('hey'), registered_delivery: 1 });
    const r = await got;
    expect(r).toMatchObject({ command: 'data_sm', esm_class: ESM_CLASS.DELIVERY_RECEIPT, source_addr: '4911', destination_addr: 'ACME' });
    expect(r.short_message).toBeUndefined();
    expect(receiptId(r)).toBe(resp.message_id);
    expect(tlvUint8(getTlv(r, TLV.message_state))).toBe(2);
    expect(parseReceiptText(getTlv(r, TLV.message_payload)!.toString('latin1'))).toMatchObject({ id: resp.message_id, stat: 'DELIVRD' });
    await expect.poll(() => sim.stats.receiptsAcked).toBe(1);
  });
});
