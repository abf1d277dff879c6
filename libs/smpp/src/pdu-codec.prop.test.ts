import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePdu, encodePdu, PduDecodeError } from './pdu-codec';
import { ALLOWED_TLVS, KNOWN_TLVS, MAX_TLVS_SUBMIT, REPEATABLE_TLVS } from './pdu-layout';
import { STATUS } from './status';
import { PduFramer } from './framer';

/** C-octet string content: any Latin-1 octet but NUL, at most `max` characters. */
const cstr = (max: number) => fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: max });
const u8 = fc.integer({ min: 0, max: 255 });
const time = fc.constantFrom('', '240131235959000+', '000007000000000R', '991231000000104-');
const tlv = fc.record({
  // Skip the tags whose length we check; everything else, known or vendor, must survive as is.
  tag: fc.integer({ min: 0x1400, max: 0x3fff }),
  value: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
});
const seq = fc.integer({ min: 1, max: 0x7fffffff });

const submitLike = fc.record({
  command: fc.constantFrom('submit_sm' as const, 'deliver_sm' as const),
  seq,
  service_type: cstr(5),
  source_addr_ton: u8,
  source_addr_npi: u8,
  source_addr: cstr(20),
  dest_addr_ton: u8,
  dest_addr_npi: u8,
  destination_addr: cstr(20),
  esm_class: u8,
  protocol_id: u8,
  priority_flag: u8,
  schedule_delivery_time: time,
  validity_period: time,
  registered_delivery: u8,
  replace_if_present_flag: u8,
  data_coding: u8,
  sm_default_msg_id: u8,
  short_message: fc.uint8Array({ maxLength: 254 }).map((a) => Buffer.from(a)),
  tlvs: fc.array(tlv, { maxLength: 4 }),
});

const bind = fc.record({
  command: fc.constantFrom('bind_transceiver' as const, 'bind_receiver' as const, 'bind_transmitter' as const),
  seq,
  system_id: cstr(15),
  password: cstr(8),
  system_type: cstr(12),
  interface_version: u8,
  addr_ton: u8,
  addr_npi: u8,
  address_range: cstr(40),
  tlvs: fc.constant([] as { tag: number; value: Buffer }[]),
});

const resp = fc.record({
  command: fc.constantFrom('submit_sm_resp' as const, 'deliver_sm_resp' as const, 'data_sm_resp' as const),
  seq,
  status: fc.constant(0),
  message_id: cstr(64),
  tlvs: fc.array(tlv, { maxLength: 2 }),
});

describe('codec round-trip (property)', () => {
  it('decode(encode(p)) restores every field of submit_sm / deliver_sm', () => {
    fc.assert(
      fc.property(submitLike, (p) => {
        const back = decodePdu(encodePdu(p));
        expect(back).toEqual({ ...p, status: 0, commandId: back.commandId });
      }),
    );
  });

  it('binds and responses round-trip', () => {
    fc.assert(
      fc.property(fc.oneof(bind, resp), (p) => {
        const back = decodePdu(encodePdu(p));
        expect(back).toEqual({ status: 0, ...p, commandId: back.commandId });
      }),
    );
  });

  it('re-encoding a decoded PDU gives the same bytes', () => {
    fc.assert(
      fc.property(submitLike, (p) => {
        const wire = encodePdu(p);
        expect(encodePdu(decodePdu(wire))).toEqual(wire);
      }),
    );
  });

  it('framing any chunking of a PDU stream yields the same frames', () => {
    fc.assert(
      fc.property(fc.array(submitLike, { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), (pdus, cuts) => {
        const frames = pdus.map((p) => encodePdu(p));
        const stream = Buffer.concat(frames);
        const framer = new PduFramer();
        const out: Buffer[] = [];
        let off = 0;
        for (let i = 0; off < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          out.push(...framer.push(stream.subarray(off, off + n)));
          off += n;
        }
        expect(out).toEqual(frames);
        expect(framer.pending).toBe(0);
      }),
    );
  });

  it('any optional part: decoded within the limits, or refused with 0xC0/0xC1/0xC2', () => {
    const anyTlv = fc.record({
      tag: fc.oneof(fc.constantFrom(...KNOWN_TLVS), fc.integer({ min: 0, max: 0xffff })),
      value: fc.uint8Array({ maxLength: 4 }).map((a) => Buffer.from(a)),
    });
    fc.assert(
      fc.property(fc.array(anyTlv, { maxLength: 60, size: 'max' }), (tlvs) => {
        let pdu;
        try {
          pdu = decodePdu(encodePdu({ command: 'submit_sm', seq: 1, tlvs }));
        } catch (err) {
          expect(err).toBeInstanceOf(PduDecodeError);
          expect([STATUS.ESME_RINVOPTPARSTREAM, STATUS.ESME_ROPTPARNOTALLWD, STATUS.ESME_RINVPARLEN]).toContain((err as PduDecodeError).status);
          return;
        }
        expect(pdu.tlvs.length).toBeLessThanOrEqual(MAX_TLVS_SUBMIT);
        const once = pdu.tlvs.filter((t) => KNOWN_TLVS.has(t.tag) && !REPEATABLE_TLVS.has(t.tag)).map((t) => t.tag);
        expect(new Set(once).size).toBe(once.length);
        // A known tag got through only where §4.4.1 lets submit_sm carry it.
        for (const t of pdu.tlvs) if (KNOWN_TLVS.has(t.tag)) expect(ALLOWED_TLVS.submit_sm!.has(t.tag)).toBe(true);
      }),
    );
  });
});
