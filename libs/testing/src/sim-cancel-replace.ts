import { STATUS, type Pdu } from '@smsgw/smpp';
import { describeSubmit } from './sim-submits';

/** An address as a PDU carried it (§5.2.5, §5.2.6). */
export interface SimAddress {
  ton: number;
  npi: number;
  addr: string;
}

/** A cancel_sm (§4.9) the simulator got, and how it answered. */
export interface SimCancel {
  messageId: string;
  serviceType: string;
  source: SimAddress;
  destination: SimAddress;
  status: number;
}

/** A replace_sm (§4.10) the simulator got, and how it answered. */
export interface SimReplace {
  messageId: string;
  source: SimAddress;
  shortMessage: Buffer;
  /** The original submit's data_coding: replace_sm has none, the message keeps it. */
  dataCoding: number;
  /** shortMessage read in that data_coding ('' when undecodable or no such message). */
  text: string;
  schedule: string;
  validity: string;
  registeredDelivery: number;
  smDefaultMsgId: number;
  status: number;
}

/** An accepted message whose receipt has not gone yet: it can still be cancelled or replaced. */
export interface SimPending {
  submit: Pdu;
  /** Rewrites the receipt text after a replace. */
  retext?: (text: string) => void;
}

export interface SimCancelReplaceOptions {
  /** Answer every cancel_sm with this status (still recorded); default ROK for a pending message, else ESME_RCANCELFAIL. */
  cancelStatus?: number;
  /** Answer every replace_sm with this status (still recorded); default ROK for a pending message, else ESME_RREPLACEFAIL. */
  replaceStatus?: number;
  gsmPacked?: boolean;
}

const address = (ton: number | undefined, npi: number | undefined, addr: string | undefined): SimAddress => ({ ton: ton ?? 0, npi: npi ?? 0, addr: addr ?? '' });

/**
 * cancel_sm and replace_sm as an SMSC answers them: only for a message it accepted whose
 * receipt has not gone yet, and only when the source_addr (and for cancel_sm a destination_addr
 * given) is the original submit's (§4.9.1, §4.10.1: "must match").
 */
export function createSimCancelReplace(opts: SimCancelReplaceOptions) {
  const pending = new Map<string, SimPending>();
  const cancels: SimCancel[] = [];
  const replaces: SimReplace[] = [];

  const find = (p: Pdu): SimPending | undefined => {
    const m = pending.get(p.message_id ?? '');
    if (!m || (p.source_addr ?? '') !== (m.submit.source_addr ?? '')) return undefined;
    if (p.command === 'cancel_sm' && p.destination_addr && p.destination_addr !== m.submit.destination_addr) return undefined;
    return m;
  };

  const cancel = (p: Pdu): number => {
    const m = find(p);
    const status = opts.cancelStatus ?? (m ? STATUS.ESME_ROK : STATUS.ESME_RCANCELFAIL);
    // Leaving `pending` is what stops its receipt: the simulator's due queue skips a message no longer there.
    if (m && status === STATUS.ESME_ROK) pending.delete(p.message_id!);
    cancels.push({
      messageId: p.message_id ?? '',
      serviceType: p.service_type ?? '',
      source: address(p.source_addr_ton, p.source_addr_npi, p.source_addr),
      destination: address(p.dest_addr_ton, p.dest_addr_npi, p.destination_addr),
      status,
    });
    return status;
  };

  const replace = (p: Pdu): number => {
    const m = find(p);
    const status = opts.replaceStatus ?? (m ? STATUS.ESME_ROK : STATUS.ESME_RREPLACEFAIL);
    const shortMessage = p.short_message ?? Buffer.alloc(0);
    // Read as the original submit would be with this text: its data_coding and esm_class.
    const text = m ? describeSubmit({ ...m.submit, short_message: shortMessage, tlvs: [] }, '', 0, { gsmPacked: opts.gsmPacked }).text : '';
    if (m && status === STATUS.ESME_ROK) m.retext?.(text);
    replaces.push({
      messageId: p.message_id ?? '',
      source: address(p.source_addr_ton, p.source_addr_npi, p.source_addr),
      shortMessage,
      dataCoding: m?.submit.data_coding ?? 0,
      text,
      schedule: p.schedule_delivery_time ?? '',
      validity: p.validity_period ?? '',
      registeredDelivery: p.registered_delivery ?? 0,
      smDefaultMsgId: p.sm_default_msg_id ?? 0,
      status,
    });
    return status;
  };

  return { pending, cancels, replaces, cancel, replace };
}
