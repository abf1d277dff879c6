import { describe, expect, it } from 'vitest';
import { decodePdu, encodePdu } from './pdu-codec';
import type { EncodablePdu } from './pdu';
import { STATUS } from './status';

/**
 * Golden bytes for the commands a client may send besides submit_sm (SMPP v3.4 §4.5, §4.7–§4.10)
 * and their responses, field by field: encode gives exactly these octets, decode gives back the
 * fields. Bodies broken on purpose are in pdu-codec-malformed.test.ts.
 */
const hex = (...fields: string[]) => Buffer.from(fields.join('').replace(/\s+/g, ''), 'hex');
/** A C-octet string: the characters and the NUL. */
const cstr = (s: string) => `${Buffer.from(s, 'latin1').toString('hex')}00`;
const octets = (s: string) => Buffer.from(s, 'latin1').toString('hex');

/** encode(fields) is `wire`, and decode(wire) is the fields with header values filled in. */
function golden(wire: Buffer, init: EncodablePdu, decoded: Record<string, unknown>) {
  expect(encodePdu(init).toString('hex')).toBe(wire.toString('hex'));
  expect(decodePdu(wire)).toEqual({ status: 0, tlvs: [], ...decoded, command: init.command, seq: init.seq, commandId: wire.readUInt32BE(4) });
}

describe('submit_multi (§4.5)', () => {
  const destinations = [
    { dest_flag: 1 as const, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900001' },
    { dest_flag: 1 as const, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900002' },
    { dest_flag: 2 as const, dl_name: 'staff' },
  ];
  const fields = {
    service_type: '',
    source_addr_ton: 5,
    source_addr_npi: 0,
    source_addr: 'ACME',
    dest_addresses: destinations,
    esm_class: 0,
    protocol_id: 0,
    priority_flag: 1,
    schedule_delivery_time: '',
    validity_period: '000001000000000R',
    registered_delivery: 1,
    replace_if_present_flag: 0,
    data_coding: 0,
    sm_default_msg_id: 0,
    short_message: Buffer.from('Hello'),
    tlvs: [{ tag: 0x0204, value: Buffer.from([0x00, 0x2a]) }],
  };

  it('to two SME addresses and one distribution list', () => {
    const wire = hex(
      '00000065', // command_length 101
      '00000021', // command_id submit_multi
      '00000000', // command_status
      '0000000a', // sequence_number 10
      '00', // service_type ""
      '05', '00', cstr('ACME'), // source_addr_ton alphanumeric, npi unknown, source_addr
      '03', // number_of_dests 3
      '01', '01', '01', cstr('447700900001'), // dest_flag 1 SME: ton international, npi ISDN, address
      '01', '01', '01', cstr('447700900002'), // dest_flag 1 SME
      '02', cstr('staff'), // dest_flag 2 distribution list: dl_name
      '00', // esm_class
      '00', // protocol_id
      '01', // priority_flag 1
      '00', // schedule_delivery_time "" (immediate)
      cstr('000001000000000R'), // validity_period: relative, one day
      '01', // registered_delivery: receipt
      '00', // replace_if_present_flag
      '00', // data_coding SMSC default
      '00', // sm_default_msg_id
      '05', octets('Hello'), // sm_length 5, short_message
      '0204', '0002', '002a', // TLV user_message_reference = 42
    );
    golden(wire, { command: 'submit_multi', seq: 10, ...fields }, fields);
  });

  it('submit_multi_resp listing the destinations that failed', () => {
    const wire = hex(
      '0000003b', // command_length 59
      '80000021', // command_id submit_multi_resp
      '00000000', // command_status
      '0000000a', // sequence_number 10
      cstr('m-1'), // message_id
      '02', // no_unsuccess 2
      '01', '01', cstr('447700900002'), '0000000b', // ton, npi, destination_addr, error_status_code ESME_RINVDSTADR
      '01', '01', cstr('447700900003'), '00000045', // ton, npi, destination_addr, error_status_code ESME_RSUBMITFAIL
    );
    const unsuccess_smes = [
      { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900002', error_status_code: STATUS.ESME_RINVDSTADR },
      { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900003', error_status_code: STATUS.ESME_RSUBMITFAIL },
    ];
    golden(wire, { command: 'submit_multi_resp', seq: 10, message_id: 'm-1', unsuccess_smes }, { message_id: 'm-1', no_unsuccess: 2, unsuccess_smes });
  });
});

describe('data_sm (§4.7)', () => {
  it('UCS-2 text in message_payload with a time to live', () => {
    const fields = {
      service_type: '',
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: 'ACME',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '447700900001',
      esm_class: 0,
      registered_delivery: 1,
      data_coding: 8,
      tlvs: [
        { tag: 0x0424, value: hex('0048', '0069') },
        { tag: 0x0017, value: hex('00000e10') },
      ],
    };
    const wire = hex(
      '0000003a', // command_length 58
      '00000103', // command_id data_sm
      '00000000', // command_status
      '0000000b', // sequence_number 11
      '00', // service_type ""
      '05', '00', cstr('ACME'), // source_addr_ton, source_addr_npi, source_addr
      '01', '01', cstr('447700900001'), // dest_addr_ton, dest_addr_npi, destination_addr
      '00', // esm_class
      '01', // registered_delivery: receipt
      '08', // data_coding UCS-2
      '0424', '0004', '0048', '0069', // TLV message_payload: "Hi" in UTF-16BE
      '0017', '0004', '00000e10', // TLV qos_time_to_live: 3600 s
    );
    golden(wire, { command: 'data_sm', seq: 11, ...fields }, fields);
  });

  it('data_sm_resp: accepted, and refused with the §4.7.2 status TLVs', () => {
    const ok = hex(
      '00000014', // command_length 20
      '80000103', // command_id data_sm_resp
      '00000000', // command_status
      '0000000b', // sequence_number 11
      cstr('d-1'), // message_id
    );
    golden(ok, { command: 'data_sm_resp', seq: 11, message_id: 'd-1' }, { message_id: 'd-1' });

    const failed = hex(
      '0000002d', // command_length 45
      '80000103', // command_id data_sm_resp
      '000000fe', // command_status ESME_RDELIVERYFAILURE
      '0000000c', // sequence_number 12
      '00', // message_id "" (nothing was stored)
      '0425', '0001', '00', // TLV delivery_failure_reason: destination unavailable
      '0423', '0003', '03', '0001', // TLV network_error_code: GSM, error 1
      '001d', '0007', cstr('absent'), // TLV additional_status_info_text
      '0420', '0001', '01', // TLV dpf_result: delivery pending flag set
    );
    const tlvs = [
      { tag: 0x0425, value: hex('00') },
      { tag: 0x0423, value: hex('030001') },
      { tag: 0x001d, value: hex(cstr('absent')) },
      { tag: 0x0420, value: hex('01') },
    ];
    golden(failed, { command: 'data_sm_resp', seq: 12, status: STATUS.ESME_RDELIVERYFAILURE, message_id: '', tlvs }, { status: 0xfe, message_id: '', tlvs });
  });
});

describe('cancel_sm (§4.9), replace_sm (§4.10), query_sm (§4.8)', () => {
  it('cancel_sm and its header-only resp', () => {
    const fields = { service_type: '', message_id: 'abc-123', source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900001' };
    const wire = hex(
      '0000002f', // command_length 47
      '00000008', // command_id cancel_sm
      '00000000', // command_status
      '0000000d', // sequence_number 13
      '00', // service_type ""
      cstr('abc-123'), // message_id of the message to cancel
      '05', '00', cstr('ACME'), // source_addr_ton, source_addr_npi, source_addr
      '01', '01', cstr('447700900001'), // dest_addr_ton, dest_addr_npi, destination_addr
    );
    golden(wire, { command: 'cancel_sm', seq: 13, ...fields }, fields);
    // §4.9.2: cancel_sm_resp is the header alone, success or not.
    golden(hex('00000010', '80000008', '00000000', '0000000d'), { command: 'cancel_sm_resp', seq: 13 }, {});
    golden(hex('00000010', '80000008', '00000011', '0000000d'), { command: 'cancel_sm_resp', seq: 13, status: STATUS.ESME_RCANCELFAIL }, { status: 0x11 });
  });

  it('replace_sm and its header-only resp', () => {
    const fields = {
      message_id: 'abc-123',
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: 'ACME',
      schedule_delivery_time: '',
      validity_period: '000002000000000R',
      registered_delivery: 1,
      sm_default_msg_id: 0,
      short_message: Buffer.from('new'),
    };
    const wire = hex(
      '00000037', // command_length 55
      '00000007', // command_id replace_sm
      '00000000', // command_status
      '0000000e', // sequence_number 14
      cstr('abc-123'), // message_id of the message to replace
      '05', '00', cstr('ACME'), // source_addr_ton, source_addr_npi, source_addr (no service_type, no destination)
      '00', // schedule_delivery_time ""
      cstr('000002000000000R'), // validity_period: relative, two days
      '01', // registered_delivery
      '00', // sm_default_msg_id
      '03', octets('new'), // sm_length 3, short_message
    );
    golden(wire, { command: 'replace_sm', seq: 14, ...fields }, fields);
    golden(hex('00000010', '80000007', '00000000', '0000000e'), { command: 'replace_sm_resp', seq: 14 }, {});
    golden(hex('00000010', '80000007', '00000013', '0000000e'), { command: 'replace_sm_resp', seq: 14, status: STATUS.ESME_RREPLACEFAIL }, { status: 0x13 });
  });

  it('query_sm and query_sm_resp', () => {
    const query = { message_id: 'abc-123', source_addr_ton: 5, source_addr_npi: 0, source_addr: 'ACME' };
    const wire = hex(
      '0000001f', // command_length 31
      '00000003', // command_id query_sm
      '00000000', // command_status
      '0000000f', // sequence_number 15
      cstr('abc-123'), // message_id
      '05', '00', cstr('ACME'), // source_addr_ton, source_addr_npi, source_addr
    );
    golden(wire, { command: 'query_sm', seq: 15, ...query }, query);

    const answer = { message_id: 'abc-123', final_date: '261201120000000+', message_state: 2, error_code: 0 };
    const resp = hex(
      '0000002b', // command_length 43
      '80000003', // command_id query_sm_resp
      '00000000', // command_status
      '0000000f', // sequence_number 15
      cstr('abc-123'), // message_id
      cstr('261201120000000+'), // final_date: 2026-12-01 12:00 UTC
      '02', // message_state DELIVERED
      '00', // error_code
    );
    golden(resp, { command: 'query_sm_resp', seq: 15, ...answer }, answer);
    // A refused query: header only (§3.3), no fields decoded.
    golden(hex('00000010', '80000003', '00000067', '0000000f'), { command: 'query_sm_resp', seq: 15, status: STATUS.ESME_RQUERYFAIL }, { status: 0x67 });
  });
});
