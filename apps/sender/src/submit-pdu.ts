import type { OutEntry } from '@smsgw/contracts';
import { formatSmppTime, smscAddress, type SmscAddressing } from '@smsgw/domain';
import { TLV, uint32Tlv, type PduInit, type Tlv } from '@smsgw/smpp';
import type { PreparedMessage } from './prepare-parts';

/** The command a part goes to its SMSC in (`smscs[].submitWith`). */
export type SubmitCommand = 'submit_sm' | 'data_sm';

/** The response that acknowledges each. */
export const SUBMIT_RESP: Record<SubmitCommand, 'submit_sm_resp' | 'data_sm_resp'> = { submit_sm: 'submit_sm_resp', data_sm: 'data_sm_resp' };

/** short_message holds 254 octets (§5.2.21); longer goes in message_payload. */
const MAX_SHORT_MESSAGE = 254;

export interface SubmitPduInput {
  command: SubmitCommand;
  m: OutEntry;
  prepared: PreparedMessage;
  part: number;
  /** Until when the message may still go (its validity capped by the SMSC's maximum age); Infinity: no limit. */
  until: number;
  now?: number;
  /** How the SMSC wants numbers (smscs[].addressFormat, countryCode, trunkPrefix); absent: as received. */
  addressing?: SmscAddressing;
}

/**
 * One part of a message as a submit_sm (§4.4.1) or a data_sm (§4.7.1). Both carry the same
 * addresses, esm_class (UDHI with a UDH in the body), data_coding and SAR TLVs, and ask for a
 * receipt: it ends the message's lifecycle. The SMSC gets the validity left only when the client
 * gave one: as an absolute validity_period in submit_sm, as qos_time_to_live (§5.3.2.9, seconds)
 * in data_sm, which has no validity field. A data_sm has no short_message: its body always goes
 * in message_payload (§5.3.2.32), and it has no protocol_id or priority_flag either.
 * The addresses are built from what the policy checked (`norm`) in the SMSC's addressFormat
 * (smscAddress): what was checked is what is sent.
 */
export function buildSubmitPdu({ command, m, prepared, part, until, now = Date.now(), addressing }: SubmitPduInput): PduInit {
  const body = prepared.parts[part]!;
  const partTlvs = prepared.tlvs?.[part] ?? [];
  const limited = !!m.vp && Number.isFinite(until);
  const src = smscAddress(m.src, addressing);
  const dst = smscAddress(m.dst, addressing);
  const addresses = {
    source_addr_ton: src.ton, source_addr_npi: src.npi, source_addr: src.addr,
    dest_addr_ton: dst.ton, dest_addr_npi: dst.npi, destination_addr: dst.addr,
  };
  if (command === 'data_sm') {
    // Payload mode already put the text in message_payload (the body is empty then).
    const hasPayload = partTlvs.some((t) => t.tag === TLV.message_payload);
    const tlvs: Tlv[] = [...partTlvs, ...(hasPayload ? [] : [{ tag: TLV.message_payload, value: body }])];
    // At least a second: 0 would read as "already expired" (the caller checked `until` is ahead).
    if (limited) tlvs.push(uint32Tlv(TLV.qos_time_to_live, Math.max(1, Math.floor((until - now) / 1000))));
    return {
      command: 'data_sm',
      service_type: '',
      ...addresses,
      esm_class: prepared.esmClass,
      registered_delivery: 1,
      data_coding: prepared.dataCoding,
      tlvs,
    };
  }
  const short = body.length <= MAX_SHORT_MESSAGE;
  return {
    command: 'submit_sm',
    ...addresses,
    esm_class: prepared.esmClass, protocol_id: m.pid, priority_flag: m.pri,
    validity_period: m.vp ? (Number.isFinite(until) ? formatSmppTime(until) : m.vp) : '',
    registered_delivery: 1,
    data_coding: prepared.dataCoding,
    short_message: short ? body : Buffer.alloc(0),
    tlvs: [...partTlvs, ...(short ? [] : [{ tag: TLV.message_payload, value: body }])],
  };
}
