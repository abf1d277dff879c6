import { receiptsInKey, type DlrInMo, type DlrInReceipt, type StreamNames } from '@smsgw/contracts';
import type { AppMetrics } from '@smsgw/platform';
import { xaddEntry, type Redis } from '@smsgw/redis';
import { getTlv, STATUS, TLV, tlvTrimmedString, type Pdu } from '@smsgw/smpp';
import { createTickBatch } from '@smsgw/store';

/** Most receipts one `dlr-in` entry carries (a busier turn of the event loop writes several). */
export const RECEIPTS_PER_ENTRY = 100;

/**
 * A deliver_sm (or data_sm) from an SMSC goes to `dlr-in` as it came (the dlr-worker parses it);
 * the SMSC gets ESME_ROK only once Redis has it, else a temporary error so it sends it again. A
 * data_sm (§4.7.1) has no short_message: its text, if any, is in message_payload, and a receipt
 * may carry only the receipted_message_id and message_state TLVs, which the dlr-worker prefers.
 *
 * The receipts that arrive in one turn of the event loop (every session of every SMSC of this
 * sender) share one entry — `{ k: 'receipts', items }`, one XADD — and each is answered once that
 * entry is in Redis; a lone receipt is its own `receipt` entry. An MO is always its own entry
 * (its id is the entry's). `<prefix>:dlr-in:receipts` counts the receipts (the console's rate).
 */
export function createDeliverHandler(deps: { redis: Redis; names: StreamNames; prefix: string; metrics: AppMetrics }) {
  const counter = receiptsInKey(deps.prefix);
  const receipts = createTickBatch<DlrInReceipt, void>(async (stream, items) => {
    // The count is for the operators' console: a lost increment loses no receipt.
    await Promise.all([
      xaddEntry(deps.redis, stream, items.length === 1 ? items[0] : { k: 'receipts', items }),
      deps.redis.incrby(counter, items.length).catch(() => undefined),
    ]);
    return items.map(() => undefined);
  }, RECEIPTS_PER_ENTRY);

  return async (smsc: string, pdu: Pdu): Promise<number> => {
    const payload = getTlv(pdu, TLV.message_payload);
    const sm = (payload ?? pdu.short_message ?? Buffer.alloc(0)).toString('base64');
    const src = { ton: pdu.source_addr_ton ?? 0, npi: pdu.source_addr_npi ?? 0, addr: pdu.source_addr ?? '' };
    const dst = { ton: pdu.dest_addr_ton ?? 0, npi: pdu.dest_addr_npi ?? 0, addr: pdu.destination_addr ?? '' };
    const esm = pdu.esm_class ?? 0;
    const at = Date.now();
    // SMPP v3.4 §5.2.12: esm_class bits 2–5 = 0001 marks an SMSC delivery receipt (in data_sm too).
    if ((esm & 0x3c) === 0x04) {
      const rmid = getTlv(pdu, TLV.receipted_message_id);
      const mst = getTlv(pdu, TLV.message_state);
      const nec = getTlv(pdu, TLV.network_error_code);
      const entry: DlrInReceipt = { k: 'receipt', smsc, src, dst, esm, dc: pdu.data_coding ?? 0, sm, at };
      if (rmid) entry.rmid = tlvTrimmedString(rmid);
      if (mst && mst.length >= 1) entry.mst = mst[0];
      if (nec) entry.nec = nec.toString('hex');
      deps.metrics.messages.inc({ stage: 'sender', outcome: 'receipt_in' });
      await receipts(deps.names.dlrIn, entry);
    } else {
      const entry: DlrInMo = { k: 'mo', smsc, src, dst, dc: pdu.data_coding ?? 0, sm, at };
      deps.metrics.messages.inc({ stage: 'sender', outcome: 'mo_in' });
      await xaddEntry(deps.redis, deps.names.dlrIn, entry);
    }
    return STATUS.ESME_ROK;
  };
}
