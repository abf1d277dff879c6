import { isFinalState, type StreamNames } from '@smsgw/contracts';
import { addressOfNorm, normaliseAddress, type AddressOptions } from '@smsgw/domain';
import type { Logger } from '@smsgw/platform';
import { createMessageCanceller, type ClientBacklog, type Redis } from '@smsgw/redis';
import { STATUS, type Pdu } from '@smsgw/smpp';
import type { MessageRecord, StateStore } from '@smsgw/store';

export type CancelOutcome = { status: number; reason?: string };

export interface CancelHandlerDeps {
  redis: Redis;
  names: StreamNames;
  store: StateStore;
  /** The client backlog: its `cancel` script races the sender's hand-off (cancel-scripts.ts); `pending` finds a mass cancel's messages. */
  backlog: Pick<ClientBacklog, 'cancel' | 'pending' | 'cancelledOf'>;
  /** A submitted message's cancel_sm goes to its SMSC through a sender (smsc-forward.ts); absent: ESME_RCANCELFAIL. */
  forward?: (rec: MessageRecord, serviceType: string) => Promise<CancelOutcome>;
  /** The messages of a submit_multi under the message_id its client got (multi-ids.ts). */
  idsOfMulti?: (sys: string, cid: string) => Promise<string[] | null>;
  /** clients[].defaultCountryCode/trunkPrefix: the cancel_sm's addresses are compared normalised. */
  addressing?: (sys: string) => AddressOptions | undefined;
  logger?: Logger;
  now?: () => number;
}

/**
 * §4.9.1 / §4.10.1: a source (and destination) the client gives must be the message's;
 * compared normalised, as the policy saw them.
 */
export function addressMismatch(pdu: Pdu, rec: MessageRecord, opts: AddressOptions | undefined): string | undefined {
  if (pdu.source_addr) {
    const src = normaliseAddress(pdu.source_addr_ton ?? 0, pdu.source_addr, 'source', opts);
    if (!src.ok || src.norm !== rec.src) return 'source_addr is not the message\'s';
  }
  if (pdu.destination_addr) {
    const dst = normaliseAddress(pdu.dest_addr_ton ?? 0, pdu.destination_addr, 'destination', opts);
    if (!dst.ok || dst.norm !== rec.dst) return 'destination_addr is not the message\'s';
  }
  return undefined;
}

/**
 * cancel_sm (SMPP v3.4 §4.9): one message is cancelled as libs/redis message-cancel.ts says (not
 * yet handed to an SMSC: never submitted, ends DELETED with its receipt; handed to one: that
 * SMSC's answer). A finished, unknown or other client's message gets ESME_RCANCELFAIL (§5.1.3) —
 * one answer for all, so ids of other clients cannot be probed. The message_id may also be a submit_multi's (every
 * destination), or absent: the mass cancel by source and destination (§4.9.1).
 */
export function createCancelHandler(deps: CancelHandlerDeps): (pdu: Pdu, sys: string) => Promise<CancelOutcome> {
  const fail = (reason: string): CancelOutcome => ({ status: STATUS.ESME_RCANCELFAIL, reason });

  const canceller = createMessageCanceller(deps);

  /** One message of this client: cancelled here, by its SMSC, or the reason it cannot be. */
  /** `known`: the record when the caller read it already (null: none), so it is not read twice. */
  const cancelOne = async (pdu: Pdu, sys: string, id: string, checkAddresses: boolean, known?: MessageRecord | null): Promise<CancelOutcome> => {
    const r = await canceller.cancel(sys, id, {
      known,
      serviceType: pdu.service_type ?? '',
      check: checkAddresses ? (rec) => addressMismatch(pdu, rec, deps.addressing?.(sys)) : undefined,
      // The client's receipt shows the addresses as it wrote them in the cancel_sm, when it did.
      addresses: (rec) => ({
        src: pdu.source_addr ? { ton: pdu.source_addr_ton ?? 0, npi: pdu.source_addr_npi ?? 0, addr: pdu.source_addr } : addressOfNorm(rec.src),
        dst: pdu.destination_addr ? { ton: pdu.dest_addr_ton ?? 0, npi: pdu.dest_addr_npi ?? 0, addr: pdu.destination_addr } : addressOfNorm(rec.dst),
      }),
    });
    return r.ok ? { status: STATUS.ESME_ROK } : { status: r.status ?? STATUS.ESME_RCANCELFAIL, reason: r.reason };
  };

  /**
   * §4.9.1 without message_id: every message of this client from source_addr to
   * destination_addr (of the service_type, when given) that was not yet handed to an SMSC.
   * ESME_ROK when at least one was cancelled.
   */
  const cancelMass = async (pdu: Pdu, sys: string): Promise<CancelOutcome> => {
    const opts = deps.addressing?.(sys);
    const src = normaliseAddress(pdu.source_addr_ton ?? 0, pdu.source_addr ?? '', 'source', opts);
    const dst = normaliseAddress(pdu.dest_addr_ton ?? 0, pdu.destination_addr ?? '', 'destination', opts);
    if (!src.ok || !dst.ok) return fail('a cancel without message_id needs source_addr and destination_addr');
    const svc = pdu.service_type ?? '';
    const queued = (await deps.backlog.pending(sys, src.norm, dst.norm)).filter((p) => !svc || p.svc === svc);
    const outs = await Promise.all(queued.map((p) => cancelOne({ ...pdu, message_id: p.id }, sys, p.id, false)));
    const n = outs.filter((o) => o.status === STATUS.ESME_ROK).length;
    return n ? { status: STATUS.ESME_ROK, reason: `${n} cancelled` } : fail('no queued message from that source to that destination');
  };

  /**
   * A submit_multi's message_id: each of its destinations not ended yet is cancelled (or its
   * cancel forwarded). ESME_ROK only when every one of them was; otherwise ESME_RCANCELFAIL,
   * with the ones that could be cancelled cancelled all the same (query_sm tells).
   */
  const cancelMulti = async (pdu: Pdu, sys: string, ids: string[]): Promise<CancelOutcome> => {
    // Cancelled on its own before (its record may not say so yet): not open any more.
    const [recs, done] = await Promise.all([Promise.all(ids.map((id) => deps.store.get(id))), deps.backlog.cancelledOf(sys, ids)]);
    const open = ids.filter((id, i) => !done.has(id) && (!recs[i] || !isFinalState(recs[i]!.state)));
    if (!open.length) return fail('every destination has ended');
    const recOf = new Map(ids.map((id, i) => [id, recs[i] ?? null]));
    const outs = await Promise.all(open.map((id) => cancelOne({ ...pdu, message_id: id }, sys, id, false, recOf.get(id))));
    const failed = outs.filter((o) => o.status !== STATUS.ESME_ROK).length;
    return failed ? fail(`${failed} of ${open.length} destinations could not be cancelled`) : { status: STATUS.ESME_ROK };
  };

  return async (pdu, sys) => {
    const id = pdu.message_id ?? '';
    if (!id) return cancelMass(pdu, sys);
    const rec = await deps.store.get(id);
    // No message has this id: it may be a submit_multi's, naming its destinations.
    const multi = !rec && deps.idsOfMulti ? await deps.idsOfMulti(sys, id) : null;
    if (multi?.length) return cancelMulti(pdu, sys, multi);
    return cancelOne(pdu, sys, id, true, rec);
  };
}
