import { describe, expect, it } from 'vitest';
import { decodePdu, encodePdu, PduDecodeError } from './pdu-codec';
import { ALLOWED_TLVS, KNOWN_TLVS } from './pdu-layout';
import { TLV, cstringTlv, uint8Tlv, type PduInit, type Tlv } from './pdu';
import { STATUS } from './status';

/**
 * Where each known optional parameter may go (SMPP v3.4 §4 tables, ALLOWED_TLVS). Every known
 * tag is tried on every request that takes TLVs: accepted exactly when its command defines it.
 */
const REQUESTS: PduInit[] = [
  { command: 'submit_sm', destination_addr: '4911' },
  { command: 'submit_multi', dest_addresses: [{ dest_flag: 1, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '4911' }] },
  { command: 'deliver_sm', destination_addr: '4911' },
  { command: 'data_sm', destination_addr: '4911' },
  { command: 'alert_notification', source_addr: '4911' },
];

/** A value of the right size for tags whose length the codec checks, else one octet. */
const FIXED: Record<number, number> = { [TLV.network_error_code]: 3, [TLV.user_message_reference]: 2, [TLV.source_port]: 2, [TLV.destination_port]: 2, [TLV.sar_msg_ref_num]: 2 };
const tlv = (tag: number): Tlv => ({ tag, value: Buffer.alloc(FIXED[tag] ?? 1) });

/** The status decode answers for `init` carrying `tlvs`, ESME_ROK when it decodes. */
function decodeStatus(init: PduInit, tlvs: Tlv[]): number {
  try {
    decodePdu(encodePdu({ ...init, seq: 3, tlvs }));
    return STATUS.ESME_ROK;
  } catch (err) {
    expect(err).toBeInstanceOf(PduDecodeError);
    expect(err).toMatchObject({ seq: 3 });
    return (err as PduDecodeError).status;
  }
}

describe('optional parameters per command (§4)', () => {
  it.each(REQUESTS.map((r) => [r.command, r] as const))('%s takes exactly its own known tags', (command, init) => {
    const allowed = ALLOWED_TLVS[command]!;
    const got = [...KNOWN_TLVS].map((tag) => [tag, decodeStatus(init, [tlv(tag)])]);
    const want = [...KNOWN_TLVS].map((tag) => [tag, allowed.has(tag) ? STATUS.ESME_ROK : STATUS.ESME_ROPTPARNOTALLWD]);
    expect(got).toEqual(want);
  });

  it('follows the §4 tables on the tags that tell them apart', () => {
    const status = (command: PduInit['command'], tag: number) => decodeStatus(REQUESTS.find((r) => r.command === command)!, [tlv(tag)]);
    // The receipt TLVs belong to deliver_sm and data_sm (§4.6.1, §4.7.1), not to submits.
    for (const tag of [TLV.receipted_message_id, TLV.message_state, TLV.network_error_code]) {
      expect(status('deliver_sm', tag)).toBe(STATUS.ESME_ROK);
      expect(status('data_sm', tag)).toBe(STATUS.ESME_ROK);
      expect(status('submit_sm', tag)).toBe(STATUS.ESME_ROPTPARNOTALLWD);
      expect(status('submit_multi', tag)).toBe(STATUS.ESME_ROPTPARNOTALLWD);
    }
    // ussd_service_op and more_messages_to_send: submit_sm yes, submit_multi no.
    expect(status('submit_sm', TLV.ussd_service_op)).toBe(STATUS.ESME_ROK);
    expect(status('submit_multi', TLV.ussd_service_op)).toBe(STATUS.ESME_ROPTPARNOTALLWD);
    expect(status('submit_sm', TLV.more_messages_to_send)).toBe(STATUS.ESME_ROK);
    expect(status('submit_multi', TLV.more_messages_to_send)).toBe(STATUS.ESME_ROPTPARNOTALLWD);
    // Network and bearer types and qos_time_to_live are data_sm's (§4.7.1).
    expect(status('data_sm', TLV.qos_time_to_live)).toBe(STATUS.ESME_ROK);
    expect(status('submit_sm', TLV.qos_time_to_live)).toBe(STATUS.ESME_ROPTPARNOTALLWD);
    expect(status('submit_sm', TLV.dest_bearer_type)).toBe(STATUS.ESME_ROPTPARNOTALLWD);
    // Response-only and bind tags are no request's.
    for (const tag of [TLV.sc_interface_version, TLV.additional_status_info_text, TLV.dpf_result, TLV.delivery_failure_reason]) {
      for (const r of REQUESTS) expect(status(r.command, tag), `${r.command} ${tag}`).toBe(STATUS.ESME_ROPTPARNOTALLWD);
    }
    expect(status('alert_notification', TLV.ms_availability_status)).toBe(STATUS.ESME_ROK);
    expect(status('submit_sm', TLV.ms_availability_status)).toBe(STATUS.ESME_ROPTPARNOTALLWD);
  });

  it('deliver_sm from an SMSC keeps the known tags SMSCs add beyond §4.6.1', () => {
    const deliver = REQUESTS.find((r) => r.command === 'deliver_sm')!;
    for (const tag of [TLV.source_network_type, TLV.dest_network_type, TLV.source_addr_subunit, TLV.dest_addr_subunit, TLV.callback_num_pres_ind, TLV.callback_num_atag, TLV.ussd_service_op]) {
      expect(decodeStatus(deliver, [tlv(tag)]), `tag ${tag}`).toBe(STATUS.ESME_ROK);
    }
    // But not what only a submitter or the SMSC's own responses use.
    expect(decodeStatus(deliver, [tlv(TLV.qos_time_to_live)])).toBe(STATUS.ESME_ROPTPARNOTALLWD);
    expect(decodeStatus(deliver, [tlv(TLV.set_dpf)])).toBe(STATUS.ESME_ROPTPARNOTALLWD);
  });

  it('a refused tag is refused wherever it stands, after allowed and unknown ones', () => {
    const submit = REQUESTS[0]!;
    expect(decodeStatus(submit, [uint8Tlv(TLV.sar_total_segments, 2), cstringTlv(0x1401, 'v'), tlv(TLV.message_state)])).toBe(STATUS.ESME_ROPTPARNOTALLWD);
    expect(decodeStatus(submit, [uint8Tlv(TLV.sar_total_segments, 2), cstringTlv(0x1401, 'v'), cstringTlv(0x1401, 'w')])).toBe(STATUS.ESME_ROK);
  });
});

describe('responses keep their status TLVs', () => {
  it('what an SMSC adds to submit_sm_resp and deliver_sm_resp (v5.0 status TLVs) survives decode', () => {
    const tlvs = [cstringTlv(TLV.additional_status_info_text, 'queued'), uint8Tlv(TLV.delivery_failure_reason, 1), uint8Tlv(TLV.dpf_result, 0), { tag: TLV.network_error_code, value: Buffer.from([3, 0, 1]) }];
    for (const command of ['submit_sm_resp', 'deliver_sm_resp', 'data_sm_resp', 'submit_multi_resp', 'query_sm_resp'] as const) {
      const back = decodePdu(encodePdu({ command, seq: 4, message_id: 'x', tlvs }));
      expect(back.tlvs, command).toEqual(tlvs);
    }
  });

  it('a response is not refused for a known tag its command does not define: it could only fail our own request', () => {
    const resp = decodePdu(encodePdu({ command: 'submit_sm_resp', seq: 4, message_id: 'x', tlvs: [uint8Tlv(TLV.message_state, 2)] }));
    expect(resp.message_id).toBe('x');
    // The other rules still hold there: no duplicates.
    expect(() => decodePdu(encodePdu({ command: 'submit_sm_resp', seq: 4, message_id: 'x', tlvs: [uint8Tlv(TLV.dpf_result, 0), uint8Tlv(TLV.dpf_result, 1)] }))).toThrow(PduDecodeError);
  });
});
