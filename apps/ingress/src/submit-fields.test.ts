import { describe, expect, it } from 'vitest';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { validateSubmit } from './submit-handler';

const AT = Date.UTC(2026, 11, 1, 12, 0, 0);
const pdu = (over: Partial<Pdu> = {}): Pdu =>
  ({ command: 'submit_sm', seq: 1, status: 0, source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, destination_addr: '447700900123', short_message: Buffer.from('hi'), tlvs: [], ...over }) as Pdu;
/** The status validateSubmit answers (ESME_ROK when it builds an entry). */
const status = (over: Partial<Pdu>) => {
  const v = validateSubmit(pdu(over), 'acme', 'u', AT);
  return 'entry' in v ? STATUS.ESME_ROK : v.status;
};
const all = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('esm_class of submit_sm (§5.2.12)', () => {
  it('takes any messaging mode and GSM feature bits with the default, delivery-ack or manual-ack type', () => {
    for (const type of [0x00, 0x08, 0x10]) {
      for (const mode of [0, 1, 2, 3]) {
        for (const gsm of [0x00, 0x40, 0x80, 0xc0]) expect(status({ esm_class: type | mode | gsm }), `esm ${type | mode | gsm}`).toBe(STATUS.ESME_ROK);
      }
    }
  });

  it('refuses every other message type with ESME_RINVESMCLASS, the receipt type 0x04 included', () => {
    for (const type of [0x04, 0x0c, 0x14, 0x18, 0x1c, 0x20, 0x24, 0x28, 0x2c, 0x30, 0x34, 0x38, 0x3c]) {
      expect(status({ esm_class: type }), `type ${type}`).toBe(STATUS.ESME_RINVESMCLASS);
      expect(status({ esm_class: type | 0x43 }), `type ${type} with UDHI and mode 3`).toBe(STATUS.ESME_RINVESMCLASS);
    }
    const v = validateSubmit(pdu({ esm_class: 0x04 }), 'acme', 'u', AT);
    expect(v).toMatchObject({ reason: expect.stringMatching(/esm_class 0x04/) });
  });
});

describe('priority_flag (§5.2.14) and replace_if_present_flag (§5.2.18)', () => {
  it('priority 0–3 is taken; anything above is ESME_RINVPRTFLG', () => {
    for (const p of [0, 1, 2, 3]) expect(status({ priority_flag: p })).toBe(STATUS.ESME_ROK);
    for (const p of [4, 5, 0x7f, 0xff]) expect(status({ priority_flag: p }), `priority ${p}`).toBe(STATUS.ESME_RINVPRTFLG);
  });

  it('replace_if_present 0–1 is taken; anything above is ESME_RINVREPFLAG', () => {
    for (const r of [0, 1]) expect(status({ replace_if_present_flag: r })).toBe(STATUS.ESME_ROK);
    for (const r of [2, 3, 0xff]) expect(status({ replace_if_present_flag: r }), `replace ${r}`).toBe(STATUS.ESME_RINVREPFLAG);
  });
});

describe('registered_delivery (§5.2.17)', () => {
  it('takes every defined combination: receipt 0–2, SME acks 0–3, intermediate notification', () => {
    for (const receipt of [0, 1, 2]) {
      for (const ack of [0, 1, 2, 3]) {
        for (const inter of [0, 1]) {
          const rd = receipt | (ack << 2) | (inter << 4);
          expect(status({ registered_delivery: rd }), `rd ${rd}`).toBe(STATUS.ESME_ROK);
        }
      }
    }
  });

  it('refuses the reserved receipt value 3 and any of bits 7–5 with ESME_RINVREGDLVFLG', () => {
    for (const rd of [0x03, 0x07, 0x1f, 0x20, 0x40, 0x80, 0x21, 0xe1, 0xff]) {
      expect(status({ registered_delivery: rd }), `rd ${rd}`).toBe(STATUS.ESME_RINVREGDLVFLG);
    }
  });
});

describe('data_coding (§5.2.19)', () => {
  it('takes every defined value', () => {
    const defined = [...all(0x00, 0x0a), 0x0d, 0x0e, ...all(0xc0, 0xdf), ...all(0xf0, 0xff)];
    // UCS-2 (0x08) needs an even length: "hi" is two octets.
    for (const dc of defined) expect(status({ data_coding: dc }), `dc ${dc}`).toBe(STATUS.ESME_ROK);
  });

  it('refuses every reserved value with ESME_RSUBMITFAIL, naming it', () => {
    const reserved = [0x0b, 0x0c, ...all(0x0f, 0xbf), ...all(0xe0, 0xef)];
    expect(reserved).toHaveLength(2 + 177 + 16);
    for (const dc of reserved) expect(status({ data_coding: dc }), `dc ${dc}`).toBe(STATUS.ESME_RSUBMITFAIL);
    expect(validateSubmit(pdu({ data_coding: 0x0b }), 'acme', 'u', AT)).toMatchObject({ reason: 'data_coding 0x0b is reserved (§5.2.19)' });
  });
});

describe('order and what stays free', () => {
  it('protocol_id takes any value', () => {
    for (const pid of [0x00, 0x3f, 0x40, 0x7f, 0xff]) expect(status({ protocol_id: pid })).toBe(STATUS.ESME_ROK);
  });

  it('the first broken field in PDU order decides: addresses, esm_class, priority, registered_delivery, replace, data_coding', () => {
    const broken = { esm_class: 0x04, priority_flag: 9, registered_delivery: 3, replace_if_present_flag: 2, data_coding: 0x0b };
    expect(status({ ...broken, destination_addr: '' })).toBe(STATUS.ESME_RINVDSTADR);
    expect(status(broken)).toBe(STATUS.ESME_RINVESMCLASS);
    expect(status({ ...broken, esm_class: 0 })).toBe(STATUS.ESME_RINVPRTFLG);
    expect(status({ ...broken, esm_class: 0, priority_flag: 0 })).toBe(STATUS.ESME_RINVREGDLVFLG);
    expect(status({ ...broken, esm_class: 0, priority_flag: 0, registered_delivery: 1 })).toBe(STATUS.ESME_RINVREPFLAG);
    expect(status({ ...broken, esm_class: 0, priority_flag: 0, registered_delivery: 1, replace_if_present_flag: 0 })).toBe(STATUS.ESME_RSUBMITFAIL);
    // Flags come before the times: a bad flag with a bad schedule answers for the flag.
    expect(status({ priority_flag: 4, schedule_delivery_time: '261302090000000+' })).toBe(STATUS.ESME_RINVPRTFLG);
  });

  it('an accepted entry keeps the client\'s flags as they came', () => {
    const v = validateSubmit(pdu({ esm_class: 0xc3, priority_flag: 3, registered_delivery: 0x1e, protocol_id: 0x41, data_coding: 0xf1 }), 'acme', 'u', AT);
    expect(v).toMatchObject({ entry: { esm: 0xc3, pri: 3, rd: 0x1e, pid: 0x41, dc: 0xf1 } });
  });
});
