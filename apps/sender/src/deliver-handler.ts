import type { DlrInEntry, StreamNames } from '@smsgw/contracts';
import type { AppMetrics } from '@smsgw/platform';
import { xaddEntry, type Redis } from '@smsgw/redis';
import { getTlv, STATUS, TLV, tlvTrimmedString, type Pdu } from '@smsgw/smpp';

/**
 * A deliver_sm (or data_sm) from an SMSC goes to `dlr-in` as it came (the dlr-worker parses it);
 * the SMSC gets ESME_ROK only once Redis has it, else a temporary error so it sends it again. A
 * data_sm (§4.7.1) has no short_message: its text, if any, is in message_payload, and a receipt
 * may carry only the receipted_message_id and message_state TLVs, which the dlr-worker prefers.
 */
export function createDeliverHandler(deps: { redis: Redis; names: StreamNames; metrics: AppMetrics }) {
  return async (smsc: string, pdu: Pdu): Promise<number> => {
    const payload = getTlv(pdu, TLV.message_payload);
    const sm = (payload ?? pdu.short_message ?? Buffer.alloc(0)).toString('base64');
    const src = { ton: pdu.source_addr_ton ?? 0, npi: pdu.source_addr_npi ?? 0, addr: pdu.source_addr ?? '' };
    const dst = { ton: pdu.dest_addr_ton ?? 0, npi: pdu.dest_addr_npi ?? 0, addr: pdu.destination_addr ?? '' };
    const esm = pdu.esm_class ?? 0;
    const at = Date.now();
    let entry: DlrInEntry;
    // SMPP v3.4 §5.2.12: esm_class bits 2–5 = 0001 marks an SMSC delivery receipt (in data_sm too).
    if ((esm & 0x3c) === 0x04) {
      const rmid = getTlv(pdu, TLV.receipted_message_id);
      const mst = getTlv(pdu, TLV.message_state);
      const nec = getTlv(pdu, TLV.network_error_code);
      entry = { k: 'receipt', smsc, src, dst, esm, dc: pdu.data_coding ?? 0, sm, at };
      if (rmid) entry.rmid = tlvTrimmedString(rmid);
      if (mst && mst.length >= 1) entry.mst = mst[0];
      if (nec) entry.nec = nec.toString('hex');
      deps.metrics.messages.inc({ stage: 'sender', outcome: 'receipt_in' });
    } else {
      entry = { k: 'mo', smsc, src, dst, dc: pdu.data_coding ?? 0, sm, at };
      deps.metrics.messages.inc({ stage: 'sender', outcome: 'mo_in' });
    }
    await xaddEntry(deps.redis, deps.names.dlrIn, entry);
    return STATUS.ESME_ROK;
  };
}
