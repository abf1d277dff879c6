import { describe, expect, it } from 'vitest';
import { COMMAND_IDS, type CommandName } from './commands';
import { decodePdu, PduDecodeError } from './pdu-codec';
import { STATUS } from './status';

/**
 * Broken bodies of submit_multi, data_sm, cancel_sm, replace_sm and query_sm: the status the
 * decoder reports is the one the session answers in the request's own *_resp (§3.3). Each PDU is
 * built from named fields (the valid forms are the golden ones of pdu-golden.test.ts, shortened)
 * so a case says which field it breaks.
 */
type Field = [name: string, hex: string];

const SEQ = 0x4d;
const cstr = (s: string) => `${Buffer.from(s, 'latin1').toString('hex')}00`;
const octets = (s: string) => Buffer.from(s, 'latin1').toString('hex');

function frame(command: CommandName, fields: Field[], tail = ''): Buffer {
  const body = Buffer.from(fields.map(([, h]) => h).join('') + tail, 'hex');
  const header = Buffer.alloc(16);
  header.writeUInt32BE(16 + body.length, 0);
  header.writeUInt32BE(COMMAND_IDS[command], 4);
  header.writeUInt32BE(SEQ, 12);
  return Buffer.concat([header, body]);
}
const at = (fields: Field[], name: string) => {
  const i = fields.findIndex(([n]) => n === name);
  if (i < 0) throw new Error(`no field ${name}`);
  return i;
};
/** The fields with one value replaced. */
const set = (fields: Field[], name: string, value: string): Field[] => fields.map(([n, h]) => [n, n === name ? value : h]);
/** The body ends just before this field. */
const before = (fields: Field[], name: string): Field[] => fields.slice(0, at(fields, name));
/** The body ends with this C-string, its NUL cut off. */
const noNul = (fields: Field[], name: string): Field[] => [...before(fields, name), [name, fields[at(fields, name)]![1].slice(0, -2)]];

const source: Field[] = [['source_addr_ton', '05'], ['source_addr_npi', '00'], ['source_addr', cstr('ACME')]];
const dest: Field[] = [['dest_addr_ton', '01'], ['dest_addr_npi', '01'], ['destination_addr', cstr('447700900001')]];
const sme = `010101${cstr('447700900001')}`; // dest_flag 1, ton, npi, destination_addr

const FIELDS = {
  submit_multi: [
    ['service_type', '00'], ...source, ['number_of_dests', '02'], ['sme', sme], ['dl', `02${cstr('staff')}`],
    ['esm_class', '00'], ['protocol_id', '00'], ['priority_flag', '00'], ['schedule_delivery_time', '00'], ['validity_period', '00'],
    ['registered_delivery', '01'], ['replace_if_present_flag', '00'], ['data_coding', '00'], ['sm_default_msg_id', '00'],
    ['sm_length', '02'], ['short_message', octets('hi')],
  ],
  data_sm: [['service_type', '00'], ...source, ...dest, ['esm_class', '00'], ['registered_delivery', '01'], ['data_coding', '00']],
  cancel_sm: [['service_type', '00'], ['message_id', cstr('abc-123')], ...source, ...dest],
  replace_sm: [
    ['message_id', cstr('abc-123')], ...source, ['schedule_delivery_time', '00'], ['validity_period', '00'],
    ['registered_delivery', '01'], ['sm_default_msg_id', '00'], ['sm_length', '03'], ['short_message', octets('new')],
  ],
  query_sm: [['message_id', cstr('abc-123')], ...source],
} satisfies Record<string, Field[]>;

const TLV_VENDOR = '1401' + '0001' + 'ff'; // a tag §5.3.2 does not define
const TLV_PAST_END = '0424' + '0010' + octets('ab'); // message_payload claiming 16 octets, 2 there
const S = STATUS;

type Case = [command: keyof typeof FIELDS, what: string, wire: Buffer, status: number];
const m = FIELDS.submit_multi as Field[];
const d = FIELDS.data_sm as Field[];
const c = FIELDS.cancel_sm as Field[];
const r = FIELDS.replace_sm as Field[];
const q = FIELDS.query_sm as Field[];

const cases: Case[] = [
  ['submit_multi', 'destination_addr without NUL at the end of the PDU', frame('submit_multi', noNul(m, 'sme')), S.ESME_RINVDSTADR],
  ['submit_multi', 'dl_name without NUL at the end of the PDU', frame('submit_multi', noNul(m, 'dl')), S.ESME_RINVDLNAME],
  ['submit_multi', 'source_addr of 21 characters', frame('submit_multi', set(m, 'source_addr', cstr('1'.repeat(21)))), S.ESME_RINVSRCADR],
  ['submit_multi', 'destination_addr of 21 characters', frame('submit_multi', set(m, 'sme', `010101${cstr('1'.repeat(21))}`)), S.ESME_RINVDSTADR],
  ['submit_multi', 'dl_name of 21 characters', frame('submit_multi', set(m, 'dl', `02${cstr('d'.repeat(21))}`)), S.ESME_RINVDLNAME],
  ['submit_multi', 'body ending before esm_class', frame('submit_multi', before(m, 'esm_class')), S.ESME_RINVCMDLEN],
  ['submit_multi', 'short_message shorter than sm_length', frame('submit_multi', set(m, 'short_message', octets('h'))), S.ESME_RINVMSGLEN],
  ['submit_multi', 'number_of_dests 0', frame('submit_multi', set(set(m, 'number_of_dests', '00'), 'sme', '').filter(([n]) => n !== 'dl')), S.ESME_RINVNUMDESTS],
  ['submit_multi', 'number_of_dests 255 (§4.5.1: at most 254)', frame('submit_multi', set(set(m, 'number_of_dests', 'ff'), 'sme', sme.repeat(254))), S.ESME_RINVNUMDESTS],
  ['submit_multi', 'dest_flag 3', frame('submit_multi', set(m, 'dl', `03${cstr('staff')}`)), S.ESME_RINVDESTFLAG],
  ['submit_multi', 'number_of_dests 3 with 2 destinations (esm_class read as dest_flag 0)', frame('submit_multi', set(m, 'number_of_dests', '03')), S.ESME_RINVDESTFLAG],
  ['submit_multi', 'ussd_service_op, which only submit_sm defines (§4.4.1)', frame('submit_multi', m, '0501' + '0001' + '00'), S.ESME_ROPTPARNOTALLWD],
  ['submit_multi', 'receipted_message_id, a deliver_sm TLV', frame('submit_multi', m, '001e' + '0002' + cstr('x')), S.ESME_ROPTPARNOTALLWD],
  ['submit_multi', 'sar_msg_ref_num twice', frame('submit_multi', m, ('020c' + '0002' + '0001').repeat(2)), S.ESME_ROPTPARNOTALLWD],
  ['submit_multi', 'a TLV running past the body', frame('submit_multi', m, TLV_PAST_END), S.ESME_RINVPARLEN],

  ['data_sm', 'destination_addr without NUL at the end of the PDU', frame('data_sm', noNul(d, 'destination_addr')), S.ESME_RINVDSTADR],
  ['data_sm', 'source_addr of 65 characters (§4.7.1: 64 at most)', frame('data_sm', set(d, 'source_addr', cstr('1'.repeat(65)))), S.ESME_RINVSRCADR],
  ['data_sm', 'destination_addr of 65 characters', frame('data_sm', set(d, 'destination_addr', cstr('2'.repeat(65)))), S.ESME_RINVDSTADR],
  ['data_sm', 'body ending before data_coding', frame('data_sm', before(d, 'data_coding')), S.ESME_RINVCMDLEN],
  ['data_sm', 'ms_availability_status, an alert_notification TLV', frame('data_sm', d, '0422' + '0001' + '00'), S.ESME_ROPTPARNOTALLWD],
  ['data_sm', 'ussd_service_op, which only submit_sm defines', frame('data_sm', d, '0501' + '0001' + '00'), S.ESME_ROPTPARNOTALLWD],
  ['data_sm', 'message_payload twice', frame('data_sm', d, ('0424' + '0002' + octets('hi')).repeat(2)), S.ESME_ROPTPARNOTALLWD],
  ['data_sm', 'a TLV running past the body', frame('data_sm', d, TLV_PAST_END), S.ESME_RINVPARLEN],
  ['data_sm', 'three stray octets after the mandatory part', frame('data_sm', d, '042400'), S.ESME_RINVOPTPARSTREAM],

  ['cancel_sm', 'destination_addr without NUL at the end of the PDU', frame('cancel_sm', noNul(c, 'destination_addr')), S.ESME_RINVDSTADR],
  ['cancel_sm', 'service_type of 6 characters', frame('cancel_sm', set(c, 'service_type', cstr('CMTXXX'))), S.ESME_RINVSERTYP],
  ['cancel_sm', 'message_id of 65 characters', frame('cancel_sm', set(c, 'message_id', cstr('9'.repeat(65)))), S.ESME_RINVMSGID],
  ['cancel_sm', 'body ending after message_id', frame('cancel_sm', before(c, 'source_addr_ton')), S.ESME_RINVCMDLEN],
  // §4.9.1 lists no optional parameters: any TLV is refused, before its length is looked at.
  ['cancel_sm', 'a vendor TLV', frame('cancel_sm', c, TLV_VENDOR), S.ESME_ROPTPARNOTALLWD],
  ['cancel_sm', 'a duplicate TLV', frame('cancel_sm', c, TLV_VENDOR.repeat(2)), S.ESME_ROPTPARNOTALLWD],
  ['cancel_sm', 'a TLV running past the body', frame('cancel_sm', c, TLV_PAST_END), S.ESME_ROPTPARNOTALLWD],

  ['replace_sm', 'source_addr without NUL at the end of the PDU', frame('replace_sm', noNul(r, 'source_addr')), S.ESME_RINVSRCADR],
  ['replace_sm', 'source_addr of 21 characters', frame('replace_sm', set(r, 'source_addr', cstr('1'.repeat(21)))), S.ESME_RINVSRCADR],
  ['replace_sm', 'schedule_delivery_time of 17 characters', frame('replace_sm', set(r, 'schedule_delivery_time', cstr('2612011200000000+'))), S.ESME_RINVSCHED],
  ['replace_sm', 'validity_period of 10 characters', frame('replace_sm', set(r, 'validity_period', cstr('2612011200'))), S.ESME_RINVEXPIRY],
  ['replace_sm', 'body ending before registered_delivery', frame('replace_sm', before(r, 'registered_delivery')), S.ESME_RINVCMDLEN],
  ['replace_sm', 'short_message shorter than sm_length', frame('replace_sm', set(r, 'short_message', octets('ne'))), S.ESME_RINVMSGLEN],
  ['replace_sm', 'a vendor TLV', frame('replace_sm', r, TLV_VENDOR), S.ESME_ROPTPARNOTALLWD],
  ['replace_sm', 'a duplicate TLV', frame('replace_sm', r, ('020c' + '0002' + '0001').repeat(2)), S.ESME_ROPTPARNOTALLWD],
  ['replace_sm', 'a TLV running past the body', frame('replace_sm', r, TLV_PAST_END), S.ESME_ROPTPARNOTALLWD],

  ['query_sm', 'source_addr without NUL at the end of the PDU', frame('query_sm', noNul(q, 'source_addr')), S.ESME_RINVSRCADR],
  ['query_sm', 'message_id of 65 characters', frame('query_sm', set(q, 'message_id', cstr('9'.repeat(65)))), S.ESME_RINVMSGID],
  ['query_sm', 'body ending before source_addr_npi', frame('query_sm', before(q, 'source_addr_npi')), S.ESME_RINVCMDLEN],
  ['query_sm', 'a vendor TLV', frame('query_sm', q, TLV_VENDOR), S.ESME_ROPTPARNOTALLWD],
  ['query_sm', 'a duplicate TLV', frame('query_sm', q, TLV_VENDOR.repeat(2)), S.ESME_ROPTPARNOTALLWD],
  ['query_sm', 'a TLV running past the body', frame('query_sm', q, TLV_PAST_END), S.ESME_ROPTPARNOTALLWD],
];

describe('malformed request bodies', () => {
  it.each(Object.entries(FIELDS))('the unbroken %s decodes', (command, fields) => {
    expect(decodePdu(frame(command as CommandName, fields as Field[])).command).toBe(command);
  });

  it.each(cases)('%s: %s', (command, _what, wire, status) => {
    let err: unknown;
    try {
      decodePdu(wire);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PduDecodeError);
    expect(err).toMatchObject({ status, commandId: COMMAND_IDS[command], seq: SEQ });
  });

  it('takes what the spec allows at the limits', () => {
    // §4.5.1: 254 destinations.
    const most = decodePdu(frame('submit_multi', set(set(m, 'number_of_dests', 'fe'), 'sme', sme.repeat(253))));
    expect(most.dest_addresses).toHaveLength(254);
    // §4.7.1: data_sm addresses of 64 characters (submit_sm's stop at 20).
    const long = decodePdu(frame('data_sm', set(d, 'source_addr', cstr('1'.repeat(64)))));
    expect(long.source_addr).toHaveLength(64);
    // §3.1: a tag we do not know is kept, on every command that takes TLVs.
    expect(decodePdu(frame('submit_multi', m, TLV_VENDOR)).tlvs).toEqual([{ tag: 0x1401, value: Buffer.from([0xff]) }]);
    expect(decodePdu(frame('data_sm', d, TLV_VENDOR)).tlvs).toEqual([{ tag: 0x1401, value: Buffer.from([0xff]) }]);
  });
});
