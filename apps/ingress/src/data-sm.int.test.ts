import { afterEach, describe, expect, it } from 'vitest';
import { clientSchema } from '@smsgw/platform';
import { xaddEntry } from '@smsgw/redis';
import { inEntrySchema, type ClientReceipt, type InEntry } from '@smsgw/contracts';
import { connectTestClient, redisNamespace } from '@smsgw/testing';
import { encodeGsm7 } from '@smsgw/sms-text';
import { ESM_CLASS, getTlv, STATUS, TLV, uint16Tlv, uint32Tlv, uint8Tlv, type PduInit, type Tlv } from '@smsgw/smpp';
import { startTestIngress } from './test-ingress';

const clients = [clientSchema.parse({ systemId: 'acme', password: 'acmepw' })];
const session = { window: 10, sessionInitMs: 2_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };

/** A data_sm (§4.7.1) as a client sends it: the text in message_payload, no short_message. */
const dataSm = (text: string, over: Partial<PduInit> = {}, tlvs: Tlv[] = []): PduInit => ({
  command: 'data_sm',
  service_type: '',
  source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME',
  dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123',
  esm_class: 0, registered_delivery: 1, data_coding: 0,
  ...over,
  tlvs: [{ tag: TLV.message_payload, value: encodeGsm7(text)! }, ...tlvs],
});

describe('ingress: data_sm from a client (SMPP v3.4 §4.7)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(mode: 'transceiver' | 'transmitter' | 'receiver' = 'transceiver') {
    const ns = await redisNamespace('ingress-data-sm');
    const ing = await startTestIngress({ redisUrl: ns.url, prefix: ns.prefix, clients, session });
    cleanups.push(ns.cleanup, ing.close);
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId: 'acme', password: 'acmepw', mode });
    cleanups.push(() => c.close());
    const inEntries = async (): Promise<InEntry[]> =>
      ((await ns.redis.xrange(ing.names.in, '-', '+')) as [string, string[]][]).map(([, f]) => inEntrySchema.parse(JSON.parse(f[1]!)));
    return { ns, ing, c, inEntries };
  }

  it('queues a data_sm as the `in` entry a submit_sm makes and answers data_sm_resp with its UUID', async () => {
    const { c, inEntries } = await setup();
    const before = Date.now();
    const sar = [uint16Tlv(TLV.sar_msg_ref_num, 0x1234), uint8Tlv(TLV.sar_total_segments, 2), uint8Tlv(TLV.sar_segment_seqnum, 1)];
    // §5.3.2.9: the message may live one hour.
    const resp = await c.session.request(dataSm('hello by data_sm', { registered_delivery: 1 }, [...sar, uint32Tlv(TLV.qos_time_to_live, 3_600)]));
    expect(resp).toMatchObject({ command: 'data_sm_resp', status: STATUS.ESME_ROK });
    expect(resp.message_id).toMatch(/^[0-9a-f-]{36}$/);
    const [entry, ...rest] = await inEntries();
    expect(rest).toHaveLength(0);
    expect(entry).toMatchObject({
      id: resp.message_id, sys: 'acme', rd: 1, esm: 0, dc: 0, pid: 0, pri: 0,
      src: { ton: 5, addr: 'ACME', norm: 'ACME' },
      dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' },
      sar: { ref: 0x1234, total: 2, seq: 1 },
      vp: '000000010000000R',
    });
    expect(Buffer.from(entry!.sm, 'base64')).toEqual(encodeGsm7('hello by data_sm'));
    expect(entry!.due).toBeUndefined();
    // The time to live became the expiry, counted from acceptance.
    expect(entry!.exp! - entry!.at).toBe(3_600_000);
    expect(entry!.at).toBeGreaterThanOrEqual(before);
  });

  it('keeps esm_class (UDHI) and data_coding, and without qos_time_to_live takes the default validity', async () => {
    const { c, inEntries } = await setup('transmitter');
    const udhBody = Buffer.concat([Buffer.from([0x05, 0x00, 0x03, 0x07, 0x02, 0x01]), Buffer.from('hi', 'utf16le').swap16()]);
    const resp = await c.session.request({ ...dataSm('', { esm_class: ESM_CLASS.UDHI, data_coding: 0x08, registered_delivery: 0 }), tlvs: [{ tag: TLV.message_payload, value: udhBody }] });
    expect(resp.status).toBe(STATUS.ESME_ROK);
    const [entry] = await inEntries();
    expect(entry).toMatchObject({ id: resp.message_id, esm: ESM_CLASS.UDHI, dc: 0x08, rd: 0 });
    expect(entry!.vp).toBeUndefined();
    expect(Buffer.from(entry!.sm, 'base64')).toEqual(udhBody);
  });

  it('answers a bad destination, a broken qos_time_to_live and an odd UCS-2 payload with their statuses, queueing nothing', async () => {
    const { c, inEntries } = await setup();
    const bad = await c.session.request(dataSm('x', { destination_addr: '44770abc' }));
    expect(bad).toMatchObject({ command: 'data_sm_resp', status: STATUS.ESME_RINVDSTADR, message_id: '' });
    const ttl = await c.session.request(dataSm('x', {}, [{ tag: TLV.qos_time_to_live, value: Buffer.from([0, 1]) }]));
    expect(ttl.status).toBe(STATUS.ESME_RINVOPTPARAMVAL);
    const odd = await c.session.request({ ...dataSm('x', { data_coding: 0x08 }), tlvs: [{ tag: TLV.message_payload, value: Buffer.from([0x00, 0x41, 0x00]) }] });
    expect(odd.status).toBe(STATUS.ESME_RINVMSGLEN);
    expect(await inEntries()).toHaveLength(0);
  });

  it('refuses data_sm on a receiver bind (§2.3: a transmit command) with ESME_RINVBNDSTS', async () => {
    const { c, inEntries } = await setup('receiver');
    const resp = await c.session.request(dataSm('not here'));
    expect(resp).toMatchObject({ command: 'data_sm_resp', status: STATUS.ESME_RINVBNDSTS });
    expect(await inEntries()).toHaveLength(0);
  });

  it('sends the receipt of a data_sm message back as deliver_sm, like any other', async () => {
    const { ns, ing, c } = await setup();
    const resp = await c.session.request(dataSm('with receipt'));
    const id = resp.message_id!;
    // What the dlr-worker writes once the SMSC reported the message delivered.
    const receipt: ClientReceipt = {
      v: 1, id, src: { ton: 5, npi: 0, addr: 'ACME' }, dst: { ton: 1, npi: 1, addr: '447700900123' },
      state: 'DELIVERED', stat: 'DELIVRD', err: '000', sub: 1, dlvrd: 1, sd: Date.now() - 1_000, dd: Date.now(), at: Date.now(),
    };
    await xaddEntry(ns.redis, ing.names.dlr('acme'), receipt);
    const [dlr] = await c.waitForReceipts(1, 5_000);
    expect(dlr).toMatchObject({ command: 'deliver_sm', esm_class: ESM_CLASS.DELIVERY_RECEIPT, source_addr: '447700900123', destination_addr: 'ACME' });
    expect(getTlv(dlr!, TLV.receipted_message_id)?.toString('latin1')).toBe(`${id}\0`);
    expect(dlr!.short_message?.toString('latin1')).toContain(`id:${id}`);
  });
});
