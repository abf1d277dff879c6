import { afterEach, describe, expect, it } from 'vitest';
import { receiptsInKey, streamNames, type DlrInEntry } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { decodeFields } from '@smsgw/redis';
import { cstringTlv, ESM_CLASS, STATUS, TLV, uint8Tlv, type Pdu, type Tlv } from '@smsgw/smpp';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createDeliverHandler } from './deliver-handler';

describe('deliver handler', () => {
  let ns: RedisNamespace | undefined;
  afterEach(async () => {
    await ns?.cleanup();
    ns = undefined;
  });

  const receipt = (tlvs: Tlv[]): Pdu => ({
    command: 'deliver_sm', commandId: 5, status: 0, seq: 1, esm_class: ESM_CLASS.DELIVERY_RECEIPT,
    short_message: Buffer.from('id:1 stat:DELIVRD'), tlvs,
  });

  async function setup() {
    ns = await redisNamespace('deliver');
    const names = streamNames(ns.prefix);
    const handler = createDeliverHandler({ redis: ns.redis, names, prefix: ns.prefix, metrics: createAppMetrics(createMetricsRegistry('deliver-test')) });
    const written = async () =>
      (await ns!.redis.xrange(names.dlrIn, '-', '+')).map(([, fields]) => decodeFields(fields).data as DlrInEntry & { rmid?: string });
    return { handler, written };
  }

  // A NUL run followed by another octet made /\0+$/ retry from every NUL: ≈2 s per 64 K value.
  it('strips NUL padding from receipted_message_id in linear time, also on 64 K of NULs', { timeout: 3_000 }, async () => {
    const { handler, written } = await setup();
    const value = Buffer.concat([Buffer.from('7'), Buffer.alloc(65_000), Buffer.from('8\0', 'latin1')]);
    for (let i = 0; i < 5; i++) expect(await handler('sim', receipt([{ tag: TLV.receipted_message_id, value }, cstringTlv(0x1401, 'x')]))).toBe(STATUS.ESME_ROK);
    const rows = await written();
    expect(rows).toHaveLength(5);
    expect(rows[0]!.rmid).toHaveLength(65_002);
    // The ordinary case still loses its NUL padding.
    await handler('sim', receipt([{ tag: TLV.receipted_message_id, value: Buffer.from('abc\0\0\0', 'latin1') }]));
    expect((await written())[5]).toMatchObject({ k: 'receipt', smsc: 'sim', rmid: 'abc' });
  });

  it('receipts of one tick share one dlr-in entry, each answered once it is written; a lone one and an MO are entries of their own', async () => {
    const { handler, written } = await setup();
    const at = (id: string) => receipt([cstringTlv(TLV.receipted_message_id, id)]);
    expect(await Promise.all(['r1', 'r2', 'r3'].map((id) => handler('sim', at(id))))).toEqual([STATUS.ESME_ROK, STATUS.ESME_ROK, STATUS.ESME_ROK]);
    expect(await handler('sim', at('r4'))).toBe(STATUS.ESME_ROK);
    const mo: Pdu = { command: 'deliver_sm', commandId: 5, status: 0, seq: 3, esm_class: 0, short_message: Buffer.from('hi'), destination_addr: '12345', tlvs: [] };
    expect(await Promise.all([handler('sim', mo), handler('sim', at('r5'))])).toEqual([STATUS.ESME_ROK, STATUS.ESME_ROK]);
    const rows = (await written()) as unknown as Array<{ k: string; rmid?: string; items?: Array<{ k: string; rmid: string }> }>;
    expect(rows.map((r) => r.k)).toEqual(['receipts', 'receipt', 'mo', 'receipt']);
    expect(rows[0]!.items!.map((i) => [i.k, i.rmid])).toEqual([['receipt', 'r1'], ['receipt', 'r2'], ['receipt', 'r3']]);
    expect(rows.map((r) => r.rmid)).toEqual([undefined, 'r4', undefined, 'r5']);
    // The console's receipt rate counts receipts, not entries (the MO is not one).
    expect(await ns!.redis.get(receiptsInKey(ns!.prefix))).toBe('5');
  });

  it('receipts whose entry Redis refuses are all answered with a temporary error (the SMSC sends them again)', async () => {
    const { handler, written } = await setup();
    // A WRONGTYPE: the stream's key holds something else.
    await ns!.redis.set(streamNames(ns!.prefix).dlrIn, 'x');
    const out = await Promise.allSettled(['e1', 'e2'].map((id) => handler('sim', receipt([cstringTlv(TLV.receipted_message_id, id)]))));
    expect(out.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    await ns!.redis.del(streamNames(ns!.prefix).dlrIn);
    expect(await written()).toEqual([]);
  });

  it('takes a data_sm (§4.7) like a deliver_sm: a receipt by its TLVs, an MO with its text from message_payload', async () => {
    const { handler, written } = await setup();
    const dataSm = (esm: number, tlvs: Tlv[]): Pdu => ({
      command: 'data_sm', commandId: 0x103, status: 0, seq: 2, esm_class: esm, data_coding: 0,
      source_addr: '447700900123', destination_addr: '12345', tlvs,
    });
    // Some SMSCs send a receipt as data_sm with no text at all: the TLVs say everything.
    expect(await handler('sim', dataSm(ESM_CLASS.DELIVERY_RECEIPT, [cstringTlv(TLV.receipted_message_id, '0A1B'), uint8Tlv(TLV.message_state, 5)]))).toBe(STATUS.ESME_ROK);
    expect(await handler('sim', dataSm(0, [{ tag: TLV.message_payload, value: Buffer.from('STOP') }]))).toBe(STATUS.ESME_ROK);
    const [receipt, mo] = await written();
    expect(receipt).toMatchObject({ k: 'receipt', smsc: 'sim', esm: 0x04, rmid: '0A1B', mst: 5, sm: '' });
    expect(mo).toMatchObject({ k: 'mo', smsc: 'sim', src: { addr: '447700900123' }, dst: { addr: '12345' }, dc: 0, sm: Buffer.from('STOP').toString('base64') });
  });
});
