import { describe, expect, it } from 'vitest';
import { decodePdu, encodePdu, PduDecodeError, PduEncodeError } from './pdu-codec';
import { getTlv, TLV, tlvCString, tlvTrimmedString, tlvUint8, cstringTlv, uint8Tlv, type Pdu } from './pdu';
import { STATUS } from './status';

/** Hex with spaces/comments stripped, one array entry per field. */
const hex = (...fields: string[]) => Buffer.from(fields.join('').replace(/\s+/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');

describe('golden PDUs (SMPP v3.4 §4)', () => {
  it('bind_transceiver', () => {
    const wire = hex(
      '0000002a', // command_length 42
      '00000009', // command_id bind_transceiver
      '00000000', // command_status
      '00000001', // sequence_number
      ascii('smppclient1') + '00', // system_id
      ascii('password') + '00', // password
      '00', // system_type ""
      '34', // interface_version 3.4
      '01', // addr_ton international
      '01', // addr_npi ISDN
      '00', // address_range ""
    );
    const pdu = encodePdu({ command: 'bind_transceiver', seq: 1, system_id: 'smppclient1', password: 'password', addr_ton: 1, addr_npi: 1 });
    expect(pdu.toString('hex')).toBe(wire.toString('hex'));
    expect(decodePdu(wire)).toEqual({
      command: 'bind_transceiver',
      commandId: 9,
      status: 0,
      seq: 1,
      system_id: 'smppclient1',
      password: 'password',
      system_type: '',
      interface_version: 0x34,
      addr_ton: 1,
      addr_npi: 1,
      address_range: '',
      tlvs: [],
    });
  });

  it('submit_sm with a concatenation UDH', () => {
    const sm = hex('050003', '2a', '02', '01', ascii('Hello'));
    const wire = hex(
      '00000037', // command_length 55
      '00000004', // command_id submit_sm
      '00000000', // command_status
      '00000007', // sequence_number
      '00', // service_type ""
      '05', '00', ascii('ACME') + '00', // source ton alphanumeric, npi unknown, "ACME"
      '01', '01', ascii('4912345') + '00', // dest ton international, npi ISDN, "4912345"
      '40', // esm_class UDHI
      '00', // protocol_id
      '00', // priority_flag
      '00', // schedule_delivery_time ""
      '00', // validity_period ""
      '01', // registered_delivery: receipt
      '00', // replace_if_present_flag
      '00', // data_coding SMSC default
      '00', // sm_default_msg_id
      '0b', // sm_length 11
      sm.toString('hex'), // short_message: UDH 05 00 03 ref total seq + text
    );
    const init = {
      command: 'submit_sm' as const,
      seq: 7,
      source_addr_ton: 5,
      source_addr: 'ACME',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '4912345',
      esm_class: 0x40,
      registered_delivery: 1,
      short_message: sm,
    };
    expect(encodePdu(init).toString('hex')).toBe(wire.toString('hex'));
    const pdu = decodePdu(wire);
    expect(pdu.short_message).toEqual(sm);
    expect(pdu.destination_addr).toBe('4912345');
    expect(pdu.esm_class).toBe(0x40);
  });

  it('deliver_sm receipt with TLVs, unknown ones kept in order', () => {
    const text = 'id:abc sub:001 dlvrd:001 stat:DELIVRD';
    const wire = hex(
      '00000064', // command_length 100
      '00000005', // command_id deliver_sm
      '00000000', // command_status
      '00000002', // sequence_number
      '00', // service_type
      '01', '01', ascii('4912345') + '00', // source = original destination
      '00', '00', ascii('ACME') + '00', // destination = original source
      '04', // esm_class: delivery receipt
      '00', '00', '00', '00', // protocol_id, priority_flag, schedule, validity
      '00', '00', '00', '00', // registered_delivery, replace_if_present, data_coding, sm_default_msg_id
      '25', ascii(text), // sm_length 37, short_message
      '001e', '0004', ascii('abc') + '00', // receipted_message_id "abc"
      '0427', '0001', '02', // message_state DELIVERED
      '1401', '0002', 'beef', // vendor TLV 0x1401, unknown to us
    );
    expect(wire.length).toBe(0x64);
    const pdu = decodePdu(wire);
    expect(pdu.command).toBe('deliver_sm');
    expect(pdu.short_message?.toString()).toBe(text);
    expect(tlvCString(getTlv(pdu, TLV.receipted_message_id))).toBe('abc');
    expect(tlvUint8(getTlv(pdu, TLV.message_state))).toBe(2);
    expect(pdu.tlvs.map((t) => t.tag)).toEqual([0x001e, 0x0427, 0x1401]);
    expect(encodePdu(pdu).toString('hex')).toBe(wire.toString('hex'));
  });

  it('generic_nack', () => {
    const wire = hex(
      '00000010', // command_length 16: header only
      '80000000', // command_id generic_nack
      '00000003', // command_status ESME_RINVCMDID
      '0000002a', // sequence_number of the offending PDU
    );
    expect(encodePdu({ command: 'generic_nack', seq: 42, status: STATUS.ESME_RINVCMDID }).toString('hex')).toBe(wire.toString('hex'));
    expect(decodePdu(wire)).toMatchObject({ command: 'generic_nack', status: 3, seq: 42, tlvs: [] });
  });

  it('submit_sm_resp with an error status and no body (§3.3)', () => {
    const wire = hex(
      '00000010', // command_length 16: no message_id
      '80000004', // command_id submit_sm_resp
      '00000058', // command_status ESME_RTHROTTLED
      '00000005', // sequence_number
    );
    expect(encodePdu({ command: 'submit_sm_resp', seq: 5, status: STATUS.ESME_RTHROTTLED }).toString('hex')).toBe(wire.toString('hex'));
    const pdu = decodePdu(wire);
    expect(pdu).toMatchObject({ command: 'submit_sm_resp', status: 0x58, seq: 5 });
    expect(pdu.message_id).toBeUndefined();
  });

  it('submit_sm_resp ROK carries message_id', () => {
    const wire = hex('00000019', '80000004', '00000000', '00000005', ascii('1a2b3c4d') + '00');
    expect(encodePdu({ command: 'submit_sm_resp', seq: 5, message_id: '1a2b3c4d' })).toEqual(wire);
    expect(decodePdu(wire).message_id).toBe('1a2b3c4d');
  });

  it('submit_multi and its resp round-trip', () => {
    const multi = encodePdu({
      command: 'submit_multi',
      seq: 9,
      source_addr: 'ACME',
      dest_addresses: [
        { dest_flag: 1, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '491' },
        { dest_flag: 2, dl_name: 'friends' },
      ],
      short_message: Buffer.from('hi'),
    });
    const d = decodePdu(multi);
    expect(d.dest_addresses).toEqual([
      { dest_flag: 1, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '491' },
      { dest_flag: 2, dl_name: 'friends' },
    ]);
    expect(d.short_message?.toString()).toBe('hi');
    const resp = decodePdu(
      encodePdu({ command: 'submit_multi_resp', seq: 9, message_id: 'x', unsuccess_smes: [{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '492', error_status_code: 0x0b }] }),
    );
    expect(resp.unsuccess_smes).toEqual([{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '492', error_status_code: 0x0b }]);
  });
});

/** A valid submit_sm to corrupt field by field. */
function submitWire(overrides: Partial<Record<'src' | 'dst' | 'smLen' | 'sm' | 'tail' | 'svc' | 'validity', string>> = {}): Buffer {
  const body = hex(
    overrides.svc ?? '00',
    '01', '01', overrides.src ?? ascii('4911') + '00',
    '01', '01', overrides.dst ?? ascii('4922') + '00',
    '00', '00', '00', '00',
    overrides.validity ?? '00',
    '00', '00', '00', '00',
    overrides.smLen ?? '02',
    overrides.sm ?? ascii('hi'),
    overrides.tail ?? '',
  );
  const header = Buffer.alloc(16);
  header.writeUInt32BE(16 + body.length, 0);
  header.writeUInt32BE(4, 4);
  header.writeUInt32BE(0, 8);
  header.writeUInt32BE(77, 12);
  return Buffer.concat([header, body]);
}

function decodeError(buf: Buffer): PduDecodeError {
  try {
    decodePdu(buf);
  } catch (err) {
    expect(err).toBeInstanceOf(PduDecodeError);
    return err as PduDecodeError;
  }
  throw new Error('expected decodePdu to throw');
}

describe('strict decode', () => {
  it('accepts the valid base PDU', () => {
    expect(decodePdu(submitWire()).short_message?.toString()).toBe('hi');
  });

  it.each([
    ['source_addr over 20 chars', { src: ascii('1'.repeat(21)) + '00' }, STATUS.ESME_RINVSRCADR],
    ['destination_addr over 20 chars', { dst: ascii('2'.repeat(25)) + '00' }, STATUS.ESME_RINVDSTADR],
    ['service_type over 5 chars', { svc: ascii('CMTXXX') + '00' }, STATUS.ESME_RINVSERTYP],
    ['validity_period neither 0 nor 16 chars', { validity: ascii('240101') + '00' }, STATUS.ESME_RINVEXPIRY],
    ['sm_length above 254', { smLen: 'ff', sm: '00'.repeat(255) }, STATUS.ESME_RINVMSGLEN],
    ['sm_length beyond the end of the PDU', { smLen: '10' }, STATUS.ESME_RINVMSGLEN],
    ['truncated TLV header', { tail: '04' }, STATUS.ESME_RINVOPTPARSTREAM],
    ['TLV length beyond the PDU', { tail: '04240010' + '4142' }, STATUS.ESME_RINVPARLEN],
    ['known fixed-size TLV with wrong length', { tail: '020e0002' + '0102' }, STATUS.ESME_RINVPARLEN], // sar_total_segments is 1 octet
    ['a receipt TLV, which submit_sm does not define (§4.4.1)', { tail: '04270001' + '02' }, STATUS.ESME_ROPTPARNOTALLWD],
  ])('%s', (_name, overrides, status) => {
    const err = decodeError(submitWire(overrides));
    expect(err.status).toBe(status);
    expect(err.commandId).toBe(4);
    expect(err.seq).toBe(77);
  });

  it('destination_addr without NUL before the end of the PDU', () => {
    // The body stops inside destination_addr: "4922" and no terminator.
    const full = submitWire();
    const cut = full.subarray(0, 16 + 1 + 2 + 5 + 2 + 4);
    cut.writeUInt32BE(cut.length, 0);
    expect(decodeError(Buffer.from(cut)).status).toBe(STATUS.ESME_RINVDSTADR);
  });

  it('bind fields: over-long system_id and password', () => {
    const bind = (sys: string, pw: string) => {
      const body = hex(ascii(sys) + '00', ascii(pw) + '00', '00', '34', '00', '00', '00');
      const h = Buffer.alloc(16);
      h.writeUInt32BE(16 + body.length, 0);
      h.writeUInt32BE(2, 4);
      h.writeUInt32BE(1, 12);
      return Buffer.concat([h, body]);
    };
    expect(decodePdu(bind('a'.repeat(15), 'b'.repeat(8))).system_id).toBe('a'.repeat(15));
    expect(decodeError(bind('a'.repeat(16), 'pw')).status).toBe(STATUS.ESME_RINVSYSID);
    expect(decodeError(bind('sys', 'b'.repeat(9))).status).toBe(STATUS.ESME_RINVPASWD);
  });

  it('unknown command_id → ESME_RINVCMDID with the same seq', () => {
    const err = decodeError(hex('00000010', '00000999', '00000000', '00000033'));
    expect(err).toMatchObject({ status: STATUS.ESME_RINVCMDID, commandId: 0x999, seq: 0x33 });
  });

  it('command_length not matching the frame → ESME_RINVCMDLEN', () => {
    expect(decodeError(hex('00000020', '00000015', '00000000', '00000001')).status).toBe(STATUS.ESME_RINVCMDLEN);
  });

  it('a request with a truncated mandatory part → ESME_RINVCMDLEN', () => {
    expect(decodeError(hex('00000011', '00000004', '00000000', '00000001', '00')).status).toBe(STATUS.ESME_RINVCMDLEN);
  });

  it('a successful resp must still carry its body', () => {
    // message_id has no NUL: the PDU ends where it should start.
    expect(decodeError(hex('00000010', '80000004', '00000000', '00000001')).status).toBe(STATUS.ESME_RINVMSGID);
  });
});

describe('encode', () => {
  it('writes interface_version 0x34 by default on binds and 254-octet messages', () => {
    const bind = encodePdu({ command: 'bind_transmitter', seq: 1, system_id: 's', password: 'p' });
    expect(decodePdu(bind).interface_version).toBe(0x34);
    const sm = Buffer.alloc(254, 0x41);
    expect(decodePdu(encodePdu({ command: 'submit_sm', seq: 1, short_message: sm })).short_message).toEqual(sm);
  });

  it('refuses a short_message above 254 octets with a clear error', () => {
    expect(() => encodePdu({ command: 'submit_sm', seq: 1, short_message: Buffer.alloc(255) })).toThrow(/message_payload/);
  });

  it('refuses over-long C-strings instead of truncating', () => {
    expect(() => encodePdu({ command: 'submit_sm', seq: 1, destination_addr: '1'.repeat(21) })).toThrow(PduEncodeError);
  });

  it('carries long text in message_payload', () => {
    const payload = Buffer.alloc(1000, 0x42);
    const pdu = decodePdu(encodePdu({ command: 'submit_sm', seq: 3, tlvs: [{ tag: TLV.message_payload, value: payload }, cstringTlv(0x1501, 'x'), uint8Tlv(0x1502, 9)] }));
    expect(getTlv(pdu, TLV.message_payload)).toEqual(payload);
    expect(pdu.short_message).toEqual(Buffer.alloc(0));
    expect(pdu.tlvs).toHaveLength(3);
  });

  it('round-trips every body-less command', () => {
    for (const command of ['unbind', 'unbind_resp', 'enquire_link', 'enquire_link_resp', 'cancel_sm_resp', 'replace_sm_resp'] as const) {
      const back: Pdu = decodePdu(encodePdu({ command, seq: 11 }));
      expect(back).toMatchObject({ command, seq: 11, status: 0 });
    }
  });
});

describe('optional parameter limits (TLV_LIMITS)', () => {
  /** `n` copies of the TLV `tlvHex` after a PDU of `command` with an empty mandatory part. */
  const withTlvs = (id: number, n: number, tlvHex: string, body = '') => {
    const b = hex(body, tlvHex.repeat(n));
    const h = Buffer.alloc(16);
    h.writeUInt32BE(16 + b.length, 0);
    h.writeUInt32BE(id, 4);
    h.writeUInt32BE(5, 12);
    return Buffer.concat([h, b]);
  };

  it('a command without optional parameters takes none: enquire_link with 16,636 empty TLVs', () => {
    const err = decodeError(withTlvs(0x15, 16_636, '14010000'));
    expect(err).toMatchObject({ status: STATUS.ESME_ROPTPARNOTALLWD, commandId: 0x15, seq: 5 });
    // A single TLV is just as wrong on a bind (§4.1.1 lists none).
    const bind = hex(ascii('sys') + '00', ascii('pw') + '00', '00', '34', '00', '00', '00');
    expect(decodeError(withTlvs(0x09, 1, '02100001' + '34', bind.toString('hex'))).status).toBe(STATUS.ESME_ROPTPARNOTALLWD);
  });

  it('a duplicate known tag is refused; callback_num may repeat (§5.3.2.36)', () => {
    const sar = '020c0002' + '0001'; // sar_msg_ref_num 1
    expect(decodeError(submitWire({ tail: sar + sar })).status).toBe(STATUS.ESME_ROPTPARNOTALLWD);
    const callback = '03810004' + '01013100'; // callback_num ton 1 npi 1 "1"
    expect(decodePdu(submitWire({ tail: callback + callback })).tlvs).toHaveLength(2);
  });

  it('unknown tags are kept, up to 32; 1,000 of them is ESME_RINVOPTPARSTREAM', () => {
    expect(decodeError(submitWire({ tail: '15010000'.repeat(33) })).status).toBe(STATUS.ESME_RINVOPTPARSTREAM);
    expect(decodePdu(submitWire({ tail: '15010000'.repeat(32) })).tlvs).toHaveLength(32);
    expect(decodeError(submitWire({ tail: '15010000'.repeat(1_000) })).status).toBe(STATUS.ESME_RINVOPTPARSTREAM);
  });

  it('responses take a few (sc_interface_version in bind_transceiver_resp), bodyless ones none', () => {
    const resp = decodePdu(encodePdu({ command: 'bind_transceiver_resp', seq: 2, system_id: 'S', tlvs: [uint8Tlv(TLV.sc_interface_version, 0x34)] }));
    expect(tlvUint8(getTlv(resp, TLV.sc_interface_version))).toBe(0x34);
    expect(decodeError(withTlvs(0x80000015, 1, '14010000')).status).toBe(STATUS.ESME_ROPTPARNOTALLWD);
  });
});

describe('tlvTrimmedString', () => {
  it('drops trailing NULs only', () => {
    expect(tlvTrimmedString(Buffer.from('ab\0c\0\0\0', 'latin1'))).toBe('ab\0c');
    expect(tlvTrimmedString(Buffer.alloc(3))).toBe('');
  });

  it('is linear on a long NUL run followed by another octet', { timeout: 2_000 }, () => {
    // /\0+$/ took ≈0.5 s for each such 32 K value.
    const v = Buffer.concat([Buffer.from('1'), Buffer.alloc(32_000), Buffer.from('2'), Buffer.alloc(3)]);
    for (let i = 0; i < 10; i++) expect(tlvTrimmedString(v)).toHaveLength(32_002);
  });
});
