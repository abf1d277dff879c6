import { describe, expect, it } from 'vitest';
import type { OutEntry } from '@smsgw/contracts';
import type { SmscAddressing } from '@smsgw/domain';
import { decodePdu, encodePdu, getTlv, TLV, type PduInit } from '@smsgw/smpp';
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

  describe('addresses per smscs[].addressFormat, from what the policy checked (norm)', () => {
    // A client with defaultCountryCode 44 sent a national destination and a numeric sender.
    const national: OutEntry = {
      ...m,
      src: { ton: 0, npi: 1, addr: '01632 960001', norm: '441632960001' },
      dst: { ton: 2, npi: 1, addr: '07700 900123', norm: '447700900123' },
    };
    const fields = (pdu: PduInit) => [pdu.source_addr_ton, pdu.source_addr_npi, pdu.source_addr, pdu.dest_addr_ton, pdu.dest_addr_npi, pdu.destination_addr];
    const build = (e: OutEntry, addressing?: SmscAddressing, command: 'submit_sm' | 'data_sm' = 'submit_sm') =>
      decodePdu(encodePdu({ ...buildSubmitPdu({ command, m: e, prepared: plain(Buffer.from('x')), part: 0, until: Infinity, now, addressing }), seq: 1 }));

    it('as-received (the default): the addresses the client sent, byte for byte', () => {
      expect(fields(build(national))).toEqual([0, 1, '01632 960001', 2, 1, '07700 900123']);
      expect(fields(build(national, { format: 'as-received' }))).toEqual([0, 1, '01632 960001', 2, 1, '07700 900123']);
    });

    it('international: E.164 digits with TON 1 NPI 1 (§5.2.5, §5.2.6), in submit_sm and data_sm alike', () => {
      expect(fields(build(national, { format: 'international' }))).toEqual([1, 1, '441632960001', 1, 1, '447700900123']);
      expect(fields(build(national, { format: 'international' }, 'data_sm'))).toEqual([1, 1, '441632960001', 1, 1, '447700900123']);
    });

    it('national: the SMSC country with its trunk prefix, TON 2 NPI 1; another country stays international', () => {
      expect(fields(build(national, { format: 'national', countryCode: '44', trunkPrefix: '0' }))).toEqual([2, 1, '01632960001', 2, 1, '07700900123']);
      const french = { ...national, dst: { ton: 1, npi: 1, addr: '+33 6 12 34 56 78', norm: '33612345678' } };
      expect(fields(build(french, { format: 'national', countryCode: '44' })).slice(3)).toEqual([1, 1, '33612345678']);
    });

    it('an alphanumeric sender is sent as given under every format', () => {
      for (const format of ['international', 'national', 'as-received'] as const) {
        const pdu = build(m, { format, countryCode: '44' });
        expect(fields(pdu).slice(0, 3)).toEqual([5, 0, 'ACME']);
      }
    });
  });
});
