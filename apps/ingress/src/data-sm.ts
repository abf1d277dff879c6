import { getTlv, STATUS, TLV, type Pdu } from '@smsgw/smpp';
import type { SubmitOutcome } from './submit-handler';

/**
 * The longest interval a relative time writes exactly: 31 days 23:59:59 (§7.1.1 bounds each
 * field as in an absolute time; months and years have no fixed length in seconds).
 */
const MAX_RELATIVE_S = 31 * 86_400 + 86_399;

const two = (n: number) => String(n).padStart(2, '0');

/**
 * qos_time_to_live (§5.3.2.9: seconds the SMSC keeps the message) as a relative validity_period
 * (§7.1.1.2, `YYMMDDhhmmss000R`), so it goes through the same checks and caps as a submit_sm's.
 * Longer than that is capped at 31 days 23:59:59: delivery.maxAgeMs (48 h by default) caps the
 * validity further anyway.
 */
export function ttlAsRelativeTime(seconds: number): string {
  const s = Math.min(seconds, MAX_RELATIVE_S);
  const days = Math.floor(s / 86_400);
  const rest = s % 86_400;
  return `0000${two(days)}${two(Math.floor(rest / 3_600))}${two(Math.floor((rest % 3_600) / 60))}${two(rest % 60)}000R`;
}

/**
 * A client's data_sm (§4.7.1) as the submit_sm it stands for: the same addresses, esm_class,
 * registered_delivery and data_coding; the text stays in message_payload (short_message empty,
 * §5.3.2.32); the SAR TLVs ride along in `tlvs`; no schedule (data_sm has none). A data_sm has
 * no protocol_id or priority_flag: both 0. A malformed qos_time_to_live is refused here.
 */
export function dataSmAsSubmit(pdu: Pdu): { pdu: Pdu } | SubmitOutcome {
  const ttl = getTlv(pdu, TLV.qos_time_to_live);
  // §5.3.2.9: a 4-octet integer.
  if (ttl && ttl.length !== 4) return { status: STATUS.ESME_RINVOPTPARAMVAL, reason: `qos_time_to_live of ${ttl.length} octets` };
  return {
    pdu: {
      command: 'submit_sm',
      commandId: pdu.commandId,
      status: 0,
      seq: pdu.seq,
      service_type: pdu.service_type ?? '',
      source_addr_ton: pdu.source_addr_ton ?? 0,
      source_addr_npi: pdu.source_addr_npi ?? 0,
      source_addr: pdu.source_addr ?? '',
      dest_addr_ton: pdu.dest_addr_ton ?? 0,
      dest_addr_npi: pdu.dest_addr_npi ?? 0,
      destination_addr: pdu.destination_addr ?? '',
      esm_class: pdu.esm_class ?? 0,
      protocol_id: 0,
      priority_flag: 0,
      schedule_delivery_time: '',
      validity_period: ttl ? ttlAsRelativeTime(ttl.readUInt32BE(0)) : '',
      registered_delivery: pdu.registered_delivery ?? 0,
      replace_if_present_flag: 0,
      data_coding: pdu.data_coding ?? 0,
      sm_default_msg_id: 0,
      short_message: Buffer.alloc(0),
      tlvs: pdu.tlvs,
    },
  };
}

/**
 * data_sm → the submit_sm path (validateSubmit, backlog and rate checks, XADD to `in`): the
 * client gets the same UUID and statuses in its data_sm_resp as a submit_sm would get.
 */
export function createDataSmHandler(submit: (pdu: Pdu, sys: string) => Promise<SubmitOutcome>): (pdu: Pdu, sys: string) => Promise<SubmitOutcome> {
  return async (pdu, sys) => {
    const asSubmit = dataSmAsSubmit(pdu);
    if (!('pdu' in asSubmit)) return asSubmit;
    return submit(asSubmit.pdu, sys);
  };
}
