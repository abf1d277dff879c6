import type { CommandName } from './commands';

/** An optional parameter (SMPP v3.4 §3.1 / §5.3): tag, and the raw value octets. */
export interface Tlv {
  tag: number;
  value: Buffer;
}

/** One destination of submit_multi (§4.5.1.1): an SME address (flag 1) or a distribution list (flag 2). */
export type MultiDestination =
  | { dest_flag: 1; dest_addr_ton: number; dest_addr_npi: number; destination_addr: string }
  | { dest_flag: 2; dl_name: string };

/** One failed destination of submit_multi_resp (§4.5.2.1). */
export interface UnsuccessSme {
  dest_addr_ton: number;
  dest_addr_npi: number;
  destination_addr: string;
  error_status_code: number;
}

/**
 * The mandatory parameters of every command we know, snake_case as in SMPP v3.4 §4.
 * Which ones a PDU carries depends on its command; the codec table (pdu-codec.ts) is the authority.
 */
export interface PduFields {
  // bind_* (§4.1), outbind (§4.1.7), bind_*_resp: system_id
  system_id?: string;
  password?: string;
  system_type?: string;
  interface_version?: number;
  addr_ton?: number;
  addr_npi?: number;
  address_range?: string;
  // submit_sm / deliver_sm / data_sm / submit_multi / replace_sm / cancel_sm / query_sm (§4.4–§4.10)
  service_type?: string;
  source_addr_ton?: number;
  source_addr_npi?: number;
  source_addr?: string;
  dest_addr_ton?: number;
  dest_addr_npi?: number;
  destination_addr?: string;
  esm_class?: number;
  protocol_id?: number;
  priority_flag?: number;
  schedule_delivery_time?: string;
  validity_period?: string;
  registered_delivery?: number;
  replace_if_present_flag?: number;
  data_coding?: number;
  sm_default_msg_id?: number;
  short_message?: Buffer;
  // submit_multi (§4.5)
  dest_addresses?: MultiDestination[];
  no_unsuccess?: number;
  unsuccess_smes?: UnsuccessSme[];
  // *_resp, query_sm, cancel_sm, replace_sm
  message_id?: string;
  // query_sm_resp (§4.8.2)
  final_date?: string;
  message_state?: number;
  error_code?: number;
  // alert_notification (§4.12)
  esme_addr_ton?: number;
  esme_addr_npi?: number;
  esme_addr?: string;
}

/** A decoded PDU. `tlvs` keeps every optional parameter, known or unknown, in wire order. */
export interface Pdu extends PduFields {
  command: CommandName;
  commandId: number;
  status: number;
  seq: number;
  tlvs: Tlv[];
}

/** What a caller supplies to send a PDU; the session assigns `seq` for requests. */
export type PduInit = PduFields & { command: CommandName; status?: number; tlvs?: Tlv[] };

/** What the encoder needs: an init plus the sequence number. */
export type EncodablePdu = PduInit & { seq: number };

/** Optional parameter tags, SMPP v3.4 §5.3.2. */
export const TLV = {
  dest_addr_subunit: 0x0005,
  dest_network_type: 0x0006,
  dest_bearer_type: 0x0007,
  dest_telematics_id: 0x0008,
  source_addr_subunit: 0x000d,
  source_network_type: 0x000e,
  source_bearer_type: 0x000f,
  source_telematics_id: 0x0010,
  qos_time_to_live: 0x0017,
  payload_type: 0x0019,
  additional_status_info_text: 0x001d,
  receipted_message_id: 0x001e,
  ms_msg_wait_facilities: 0x0030,
  privacy_indicator: 0x0201,
  source_subaddress: 0x0202,
  dest_subaddress: 0x0203,
  user_message_reference: 0x0204,
  user_response_code: 0x0205,
  source_port: 0x020a,
  destination_port: 0x020b,
  sar_msg_ref_num: 0x020c,
  language_indicator: 0x020d,
  sar_total_segments: 0x020e,
  sar_segment_seqnum: 0x020f,
  sc_interface_version: 0x0210,
  callback_num_pres_ind: 0x0302,
  callback_num_atag: 0x0303,
  number_of_messages: 0x0304,
  callback_num: 0x0381,
  dpf_result: 0x0420,
  set_dpf: 0x0421,
  ms_availability_status: 0x0422,
  network_error_code: 0x0423,
  message_payload: 0x0424,
  delivery_failure_reason: 0x0425,
  more_messages_to_send: 0x0426,
  message_state: 0x0427,
  ussd_service_op: 0x0501,
  display_time: 0x1201,
  sms_signal: 0x1203,
  ms_validity: 0x1204,
  alert_on_message_delivery: 0x130c,
  its_reply_type: 0x1380,
  its_session_info: 0x1383,
} as const;

/**
 * Value lengths fixed by §5.3.2 for the tags whose value we interpret; a different length is
 * ESME_RINVPARLEN. Variable-length and unknown tags are not checked here.
 */
export const TLV_FIXED_LENGTH: ReadonlyMap<number, number> = new Map([
  [TLV.user_message_reference, 2],
  [TLV.source_port, 2],
  [TLV.destination_port, 2],
  [TLV.sar_msg_ref_num, 2],
  [TLV.sar_total_segments, 1],
  [TLV.sar_segment_seqnum, 1],
  [TLV.sc_interface_version, 1],
  [TLV.payload_type, 1],
  [TLV.network_error_code, 3],
  [TLV.message_state, 1],
  [TLV.more_messages_to_send, 1],
  [TLV.delivery_failure_reason, 1],
]);

/** message_state values (§5.2.28), used in query_sm_resp and the message_state TLV. */
export const MESSAGE_STATE = {
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  ACCEPTED: 6,
  UNKNOWN: 7,
  REJECTED: 8,
} as const;

/** esm_class bits (§5.2.12). */
export const ESM_CLASS = {
  UDHI: 0x40,
  DELIVERY_RECEIPT: 0x04,
  /** Mask of the message-type bits 2–5; `(esm & TYPE_MASK) === DELIVERY_RECEIPT` means a receipt. */
  TYPE_MASK: 0x3c,
} as const;

/** The first TLV with this tag, or undefined. */
export function getTlv(pdu: { tlvs?: Tlv[] }, tag: number): Buffer | undefined {
  return pdu.tlvs?.find((t) => t.tag === tag)?.value;
}

/** A C-octet-string TLV value (e.g. receipted_message_id); tolerates a missing trailing NUL. */
export function tlvCString(value: Buffer | undefined): string | undefined {
  if (!value) return undefined;
  const nul = value.indexOf(0);
  return value.toString('latin1', 0, nul === -1 ? value.length : nul);
}

/**
 * A C-octet-string TLV value with every trailing NUL dropped (some SMSCs pad ids with several).
 * A loop rather than `/\0+$/`, which is quadratic on a long NUL run followed by other octets.
 */
export function tlvTrimmedString(value: Buffer): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === 0) end--;
  return value.toString('latin1', 0, end);
}

export function tlvUint8(value: Buffer | undefined): number | undefined {
  return value && value.length >= 1 ? value.readUInt8(0) : undefined;
}

export function tlvUint16(value: Buffer | undefined): number | undefined {
  return value && value.length >= 2 ? value.readUInt16BE(0) : undefined;
}

export function tlvUint32(value: Buffer | undefined): number | undefined {
  return value && value.length >= 4 ? value.readUInt32BE(0) : undefined;
}

export function cstringTlv(tag: number, s: string): Tlv {
  return { tag, value: Buffer.concat([Buffer.from(s, 'latin1'), Buffer.from([0])]) };
}

export function uint8Tlv(tag: number, n: number): Tlv {
  return { tag, value: Buffer.from([n & 0xff]) };
}

export function uint16Tlv(tag: number, n: number): Tlv {
  const value = Buffer.alloc(2);
  value.writeUInt16BE(n & 0xffff, 0);
  return { tag, value };
}

export function uint32Tlv(tag: number, n: number): Tlv {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(n >>> 0, 0);
  return { tag, value };
}
