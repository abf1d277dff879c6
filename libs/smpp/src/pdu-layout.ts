import type { CommandName } from './commands';
import { TLV, type PduFields } from './pdu';
import { STATUS } from './status';

/**
 * Mandatory-parameter layouts per command (SMPP v3.4 §4). Each C-octet string carries its
 * maximum size INCLUDING the NUL (§5.2) and the status to answer when it is broken, so the
 * decoder can put the right error into the PDU's own *_resp.
 */
export type FieldSpec =
  | { k: 'cstr'; f: keyof PduFields; max: number; st: number }
  /** Time fields (§7.1): either empty (1 octet NUL) or exactly 16 characters + NUL. */
  | { k: 'time'; f: keyof PduFields; st: number }
  | { k: 'u8'; f: keyof PduFields }
  /** sm_length + short_message (§5.2.21–22). */
  | { k: 'sm' }
  /** number_of_dests + dest_address list (§4.5.1). */
  | { k: 'dests' }
  /** no_unsuccess + unsuccess_sme list (§4.5.2). */
  | { k: 'unsuccess' };

const S = STATUS;
const systemId: FieldSpec = { k: 'cstr', f: 'system_id', max: 16, st: S.ESME_RINVSYSID };
const serviceType: FieldSpec = { k: 'cstr', f: 'service_type', max: 6, st: S.ESME_RINVSERTYP };
const messageId: FieldSpec = { k: 'cstr', f: 'message_id', max: 65, st: S.ESME_RINVMSGID };
const source: FieldSpec[] = [
  { k: 'u8', f: 'source_addr_ton' },
  { k: 'u8', f: 'source_addr_npi' },
  { k: 'cstr', f: 'source_addr', max: 21, st: S.ESME_RINVSRCADR },
];
const dest: FieldSpec[] = [
  { k: 'u8', f: 'dest_addr_ton' },
  { k: 'u8', f: 'dest_addr_npi' },
  { k: 'cstr', f: 'destination_addr', max: 21, st: S.ESME_RINVDSTADR },
];
const schedule: FieldSpec = { k: 'time', f: 'schedule_delivery_time', st: S.ESME_RINVSCHED };
const validity: FieldSpec = { k: 'time', f: 'validity_period', st: S.ESME_RINVEXPIRY };

const bind: FieldSpec[] = [
  systemId,
  { k: 'cstr', f: 'password', max: 9, st: S.ESME_RINVPASWD },
  { k: 'cstr', f: 'system_type', max: 13, st: S.ESME_RINVSYSTYP },
  { k: 'u8', f: 'interface_version' },
  { k: 'u8', f: 'addr_ton' },
  { k: 'u8', f: 'addr_npi' },
  { k: 'cstr', f: 'address_range', max: 41, st: S.ESME_RSYSERR },
];

// §4.4.1 submit_sm and §4.6.1 deliver_sm share one layout.
const sm: FieldSpec[] = [
  serviceType,
  ...source,
  ...dest,
  { k: 'u8', f: 'esm_class' },
  { k: 'u8', f: 'protocol_id' },
  { k: 'u8', f: 'priority_flag' },
  schedule,
  validity,
  { k: 'u8', f: 'registered_delivery' },
  { k: 'u8', f: 'replace_if_present_flag' },
  { k: 'u8', f: 'data_coding' },
  { k: 'u8', f: 'sm_default_msg_id' },
  { k: 'sm' },
];

export const LAYOUTS: Record<CommandName, FieldSpec[]> = {
  generic_nack: [],
  bind_receiver: bind,
  bind_transmitter: bind,
  bind_transceiver: bind,
  bind_receiver_resp: [systemId],
  bind_transmitter_resp: [systemId],
  bind_transceiver_resp: [systemId],
  outbind: [systemId, { k: 'cstr', f: 'password', max: 9, st: S.ESME_RINVPASWD }],
  unbind: [],
  unbind_resp: [],
  enquire_link: [],
  enquire_link_resp: [],
  submit_sm: sm,
  submit_sm_resp: [messageId],
  deliver_sm: sm,
  deliver_sm_resp: [messageId],
  // §4.7.1: source_addr and destination_addr take up to 65 octets with the NUL here (not 21).
  data_sm: [
    serviceType,
    { k: 'u8', f: 'source_addr_ton' },
    { k: 'u8', f: 'source_addr_npi' },
    { k: 'cstr', f: 'source_addr', max: 65, st: S.ESME_RINVSRCADR },
    { k: 'u8', f: 'dest_addr_ton' },
    { k: 'u8', f: 'dest_addr_npi' },
    { k: 'cstr', f: 'destination_addr', max: 65, st: S.ESME_RINVDSTADR },
    { k: 'u8', f: 'esm_class' },
    { k: 'u8', f: 'registered_delivery' },
    { k: 'u8', f: 'data_coding' },
  ],
  data_sm_resp: [messageId],
  // §4.8.1 / §4.8.2
  query_sm: [messageId, ...source],
  query_sm_resp: [
    messageId,
    { k: 'time', f: 'final_date', st: S.ESME_RSYSERR },
    { k: 'u8', f: 'message_state' },
    { k: 'u8', f: 'error_code' },
  ],
  // §4.9.1
  cancel_sm: [serviceType, messageId, ...source, ...dest],
  cancel_sm_resp: [],
  // §4.10.1
  replace_sm: [
    messageId,
    ...source,
    schedule,
    validity,
    { k: 'u8', f: 'registered_delivery' },
    { k: 'u8', f: 'sm_default_msg_id' },
    { k: 'sm' },
  ],
  replace_sm_resp: [],
  // §4.5.1 / §4.5.2
  submit_multi: [
    serviceType,
    ...source,
    { k: 'dests' },
    ...sm.slice(7),
  ],
  submit_multi_resp: [messageId, { k: 'unsuccess' }],
  // §4.12.1: source_addr and esme_addr are up to 65 octets here.
  alert_notification: [
    { k: 'u8', f: 'source_addr_ton' },
    { k: 'u8', f: 'source_addr_npi' },
    { k: 'cstr', f: 'source_addr', max: 65, st: S.ESME_RINVSRCADR },
    { k: 'u8', f: 'esme_addr_ton' },
    { k: 'u8', f: 'esme_addr_npi' },
    { k: 'cstr', f: 'esme_addr', max: 65, st: S.ESME_RINVDSTADR },
  ],
};

/**
 * How many optional parameters (TLVs) each command may carry. SMPP v3.4 §4 lists none for the
 * bind requests, outbind, unbind, enquire_link, generic_nack, query_sm, cancel_sm and replace_sm:
 * any TLV there is ESME_ROPTPARNOTALLWD. The commands that do take some still get a bound, so a
 * 64 KiB PDU of empty TLVs cannot cost thousands of allocations: unknown tags are allowed (§3.1:
 * ignored by who does not know them), but at most this many in all.
 */
export const MAX_TLVS_SUBMIT = 32;
/** Responses (§4: sc_interface_version in bind_*_resp; the v5.0 status TLVs some SMSCs add). */
export const MAX_TLVS_RESP = 8;

export const TLV_LIMITS: Record<CommandName, number> = {
  generic_nack: 0,
  bind_receiver: 0,
  bind_transmitter: 0,
  bind_transceiver: 0,
  bind_receiver_resp: MAX_TLVS_RESP,
  bind_transmitter_resp: MAX_TLVS_RESP,
  bind_transceiver_resp: MAX_TLVS_RESP,
  outbind: 0,
  unbind: 0,
  unbind_resp: 0,
  enquire_link: 0,
  enquire_link_resp: 0,
  submit_sm: MAX_TLVS_SUBMIT,
  submit_sm_resp: MAX_TLVS_RESP,
  deliver_sm: MAX_TLVS_SUBMIT,
  deliver_sm_resp: MAX_TLVS_RESP,
  data_sm: MAX_TLVS_SUBMIT,
  data_sm_resp: MAX_TLVS_RESP,
  query_sm: 0,
  query_sm_resp: MAX_TLVS_RESP,
  cancel_sm: 0,
  cancel_sm_resp: MAX_TLVS_RESP,
  replace_sm: 0,
  replace_sm_resp: MAX_TLVS_RESP,
  submit_multi: MAX_TLVS_SUBMIT,
  submit_multi_resp: MAX_TLVS_RESP,
  // §4.12.1: ms_availability_status.
  alert_notification: MAX_TLVS_RESP,
};

const T = TLV;

/** §4.4.1 submit_sm. */
const SUBMIT_SM_TLVS = [
  T.user_message_reference, T.source_port, T.source_addr_subunit, T.destination_port, T.dest_addr_subunit,
  T.sar_msg_ref_num, T.sar_total_segments, T.sar_segment_seqnum, T.more_messages_to_send, T.payload_type,
  T.message_payload, T.privacy_indicator, T.callback_num, T.callback_num_pres_ind, T.callback_num_atag,
  T.source_subaddress, T.dest_subaddress, T.user_response_code, T.display_time, T.sms_signal, T.ms_validity,
  T.ms_msg_wait_facilities, T.number_of_messages, T.alert_on_message_delivery, T.language_indicator,
  T.its_reply_type, T.its_session_info, T.ussd_service_op,
];

/** §4.5.1 submit_multi: submit_sm's list without these, which its table does not have. */
const NOT_IN_SUBMIT_MULTI: number[] = [
  T.more_messages_to_send, T.user_response_code, T.number_of_messages, T.its_reply_type, T.its_session_info, T.ussd_service_op,
];

/** §4.6.1 deliver_sm, the receipt TLVs (receipted_message_id, message_state, network_error_code) included. */
const DELIVER_SM_TLVS = [
  T.user_message_reference, T.source_port, T.destination_port, T.sar_msg_ref_num, T.sar_total_segments,
  T.sar_segment_seqnum, T.user_response_code, T.privacy_indicator, T.payload_type, T.message_payload, T.callback_num,
  T.source_subaddress, T.dest_subaddress, T.language_indicator, T.its_session_info, T.network_error_code,
  T.message_state, T.receipted_message_id,
];

/**
 * Known tags SMSCs put in deliver_sm although §4.6.1 does not list them: the network types
 * (Jasmin accepts them for that reason), the subunits, callback presentation and tag (defined for
 * delivery in v5.0), ussd_service_op (USSD gateways). deliver_sm reaches us only from an SMSC;
 * refusing one of these would cost a receipt or an MO message over a TLV we do not even read.
 */
const DELIVER_SM_SEEN = [
  T.source_network_type, T.dest_network_type, T.source_addr_subunit, T.dest_addr_subunit,
  T.callback_num_pres_ind, T.callback_num_atag, T.ussd_service_op,
];

/** §4.7.1 data_sm. */
const DATA_SM_TLVS = [
  T.source_port, T.source_addr_subunit, T.source_network_type, T.source_bearer_type, T.source_telematics_id,
  T.destination_port, T.dest_addr_subunit, T.dest_network_type, T.dest_bearer_type, T.dest_telematics_id,
  T.sar_msg_ref_num, T.sar_total_segments, T.sar_segment_seqnum, T.more_messages_to_send, T.qos_time_to_live,
  T.payload_type, T.message_payload, T.set_dpf, T.receipted_message_id, T.message_state, T.network_error_code,
  T.user_message_reference, T.privacy_indicator, T.callback_num, T.callback_num_pres_ind, T.callback_num_atag,
  T.source_subaddress, T.dest_subaddress, T.user_response_code, T.display_time, T.sms_signal, T.ms_validity,
  T.ms_msg_wait_facilities, T.number_of_messages, T.alert_on_message_delivery, T.language_indicator,
  T.its_reply_type, T.its_session_info,
];

/**
 * The known tags (§5.3.2) each REQUEST may carry, from the §4 tables; a known tag outside its
 * command's set is ESME_ROPTPARNOTALLWD in that request's *_resp. Unknown tags (vendor ones,
 * v5.0 additions we do not name) are not in KNOWN_TLVS and stay accepted and kept (§3.1).
 * Requests with a TLV limit of 0 take no TLV at all and need no entry.
 *
 * Responses are not checked against a set: nobody can be told (a response has no response), and
 * refusing, say, a submit_sm_resp for an extra status TLV would turn a message the SMSC accepted
 * into one in doubt, and a resend into a duplicate. What §4 defines for them — sc_interface_version
 * in bind_*_resp, and in data_sm_resp (§4.7.2) delivery_failure_reason, network_error_code,
 * additional_status_info_text, dpf_result, which v5.0 SMSCs add to every *_resp — is therefore
 * kept, within MAX_TLVS_RESP and without duplicates, as any other known tag.
 */
export const ALLOWED_TLVS: Partial<Record<CommandName, ReadonlySet<number>>> = {
  submit_sm: new Set(SUBMIT_SM_TLVS),
  submit_multi: new Set(SUBMIT_SM_TLVS.filter((t) => !NOT_IN_SUBMIT_MULTI.includes(t))),
  deliver_sm: new Set([...DELIVER_SM_TLVS, ...DELIVER_SM_SEEN]),
  data_sm: new Set(DATA_SM_TLVS),
  // §4.12.1
  alert_notification: new Set([T.ms_availability_status]),
};

/**
 * Tags that may legitimately repeat: §5.3.2.36–38 allow callback_num (with its _pres_ind and
 * _atag) "a number of times for multiple call-back addresses". Any other tag we know (TLV) may
 * appear once; a second copy is ESME_ROPTPARNOTALLWD. Unknown tags are not checked.
 */
export const REPEATABLE_TLVS: ReadonlySet<number> = new Set([TLV.callback_num, TLV.callback_num_pres_ind, TLV.callback_num_atag]);

/** Every tag of SMPP v3.4 §5.3.2 (the TLV table). */
export const KNOWN_TLVS: ReadonlySet<number> = new Set(Object.values(TLV));
