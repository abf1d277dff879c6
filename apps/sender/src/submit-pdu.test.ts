import { describe, expect, it } from 'vitest';
import type { OutEntry } from '@smsgw/contracts';
import { decodePdu, encodePdu, getTlv, TLV } from '@smsgw/smpp';
import { buildSubmitPdu } from './submit-pdu';
import type { PreparedMessage } from './prepare-parts';

const m: OutEntry = {
  v: 1, id: 'u1', sys: 'acme',
  src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
  dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' },
  dc: 0, esm: 0, rd: 1, pid: 0x40, pri: 1, sm: '', at: 0, pool: 'p', smscs: ['s'], rt: 0,
};
const plain = (body: Buffer): PreparedMessage => ({ dataCoding: 0, esmClass: 0, parts: [body], segments: 1 });
const now = Date.UTC(2026, 0, 1);

describe('buildSubmitPdu', () => {
  it('submit_sm: short_message up to 254 octets, message_payload beyond; pid, priority and the absolute validity kept', () => {
    const short = buildSubmitPdu({ command: 'submit_sm', m: { ...m, vp: '000000010000000R' }, prepared: plain(Buffer.alloc(254, 0x41)), part: 0, until: now + 3_600_000, now });
    expect(short).toMatchObject({ command: 'submit_sm', protocol_id: 0x40, priority_flag: 1, registered_delivery: 1, validity_period: '260101010000000+', tlvs: [] });
    expect(short.short_message).toHaveLength(254);
    const long = buildSubmitPdu({ command: 'submit_sm', m, prepared: plain(Buffer.alloc(255, 0x41)), part: 0, until: Infinity, now });
    expect(long).toMatchObject({ short_message: Buffer.alloc(0), validity_period: '' });
    expect(getTlv(long, TLV.message_payload)).toHaveLength(255);
  });

  it('data_sm (§4.7.1): the body in message_payload, the validity left as qos_time_to_live, and it encodes', () => {
    const udh = Buffer.from([5, 0, 3, 9, 2, 1, 0x41]);
    const pdu = buildSubmitPdu({ command: 'data_sm', m: { ...m, vp: '000000010000000R' }, prepared: { ...plain(udh), esmClass: 0x40 }, part: 0, until: now + 90_500, now });
    const back = decodePdu(encodePdu({ ...pdu, seq: 1 }));
    expect(back).toMatchObject({ command: 'data_sm', esm_class: 0x40, registered_delivery: 1, data_coding: 0, destination_addr: '447700900123' });
    expect(back.short_message).toBeUndefined();
    expect(getTlv(back, TLV.message_payload)).toEqual(udh);
    expect(getTlv(back, TLV.qos_time_to_live)?.readUInt32BE(0)).toBe(90); // whole seconds left
    // Without a validity from the client: no time to live (the SMSC's default).
    expect(getTlv(buildSubmitPdu({ command: 'data_sm', m, prepared: plain(udh), part: 0, until: now + 90_500, now }), TLV.qos_time_to_live)).toBeUndefined();
  });

  it('data_sm in payload mode: the prepared message_payload is not doubled; SAR TLVs ride along', () => {
    const payload = { tag: TLV.message_payload, value: Buffer.from('whole text') };
    const sar = { tag: TLV.sar_msg_ref_num, value: Buffer.from([0, 7]) };
    const pdu = buildSubmitPdu({ command: 'data_sm', m, prepared: { ...plain(Buffer.alloc(0)), tlvs: [[sar, payload]] }, part: 0, until: Infinity, now });
    expect(pdu.tlvs).toEqual([sar, payload]);
  });
});
