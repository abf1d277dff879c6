import { isFinalState, type DlrInFailure, type StreamNames } from '@smsgw/contracts';
import { MAX_SHORT_CODE_DIGITS, normaliseAddress, TON, type AddressOptions } from '@smsgw/domain';
import type { Logger } from '@smsgw/platform';
import { CANCEL_REASON, xaddEntry, type ClientBacklog, type Redis } from '@smsgw/redis';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { statsDay, type MessageRecord, type StateStore } from '@smsgw/store';

export type CancelOutcome = { status: number; reason?: string };

export interface CancelHandlerDeps {
  redis: Redis;
  names: StreamNames;
  store: StateStore;
  /** The client backlog: its `cancel` script races the sender's hand-off (cancel-scripts.ts). */
  backlog: Pick<ClientBacklog, 'cancel'>;
  /** clients[].defaultCountryCode/trunkPrefix: the cancel_sm's addresses are compared normalised. */
  addressing?: (sys: string) => AddressOptions | undefined;
  logger?: Logger;
  now?: () => number;
}

type Addr = DlrInFailure['src'];

/**
 * The record keeps the normalised numbers only: E.164 digits go back as international (TON 1,
 * NPI 1), short codes as TON 0 (unknown: nothing says more), anything else is an alphanumeric
 * sender (TON 5, NPI 0, §5.2.5). Used only when the cancel_sm did not name the address itself.
 */
export function addressOfNorm(norm: string): Addr {
  if (!/^[0-9]+$/.test(norm)) return { ton: TON.ALPHANUMERIC, npi: 0, addr: norm };
  return norm.length <= MAX_SHORT_CODE_DIGITS ? { ton: TON.UNKNOWN, npi: 1, addr: norm } : { ton: TON.INTERNATIONAL, npi: 1, addr: norm };
}

/**
 * cancel_sm (SMPP v3.4 §4.9) of a message not yet handed to an SMSC: it is never submitted,
 * ends DELETED (journaled `final`), and the client gets a `stat:DELETED` receipt when its
 * registered_delivery asks for failure receipts. The cancel wins only while the message's id is
 * in the client's backlog (cancel-scripts.ts); a message submitted already, finished, unknown,
 * or another client's gets ESME_RCANCELFAIL (§5.1.3) — one answer for all, so ids of other
 * clients cannot be probed. Not done yet: forwarding the cancel to the SMSC of a submitted
 * message, and the mass cancel without message_id (§4.9.1): both ESME_RCANCELFAIL.
 */
export function createCancelHandler(deps: CancelHandlerDeps): (pdu: Pdu, sys: string) => Promise<CancelOutcome> {
  const now = deps.now ?? Date.now;
  const fail = (reason: string): CancelOutcome => ({ status: STATUS.ESME_RCANCELFAIL, reason });

  /** §4.9.1: a source (and destination) the client gives must be the message's; compared normalised. */
  const mismatch = (pdu: Pdu, sys: string, rec: MessageRecord): string | undefined => {
    const opts = deps.addressing?.(sys);
    if (pdu.source_addr) {
      const src = normaliseAddress(pdu.source_addr_ton ?? 0, pdu.source_addr, 'source', opts);
      if (!src.ok || src.norm !== rec.src) return 'source_addr is not the message\'s';
    }
    if (pdu.destination_addr) {
      const dst = normaliseAddress(pdu.dest_addr_ton ?? 0, pdu.destination_addr, 'destination', opts);
      if (!dst.ok || dst.norm !== rec.dst) return 'destination_addr is not the message\'s';
    }
    return undefined;
  };

  /**
   * The message has a record: the policy-worker saw it, and it may wait long — SCHEDULED (a
   * schedule, quiet hours) or ROUTED behind an SMSC that is down — before a stage meets it
   * again. It ends now: the failure goes to `dlr-in` first (the dlr-worker moves it, journals
   * and sends the receipt), then the record moves here too, so the stage that meets it later
   * finds it final and ends it without a second failure. Whichever of the two moves applies
   * counts it in the stats, once. If the write fails the cancel still holds: the stage that
   * meets the message (release, sender) ends it.
   */
  const endNow = async (pdu: Pdu, rec: MessageRecord): Promise<void> => {
    const at = now();
    const failure: DlrInFailure = {
      k: 'fail', id: rec.id, sys: rec.sys, state: 'DELETED', err: 0, reason: CANCEL_REASON, at,
      src: pdu.source_addr ? { ton: pdu.source_addr_ton ?? 0, npi: pdu.source_addr_npi ?? 0, addr: pdu.source_addr } : addressOfNorm(rec.src),
      dst: pdu.destination_addr ? { ton: pdu.dest_addr_ton ?? 0, npi: pdu.dest_addr_npi ?? 0, addr: pdu.destination_addr } : addressOfNorm(rec.dst),
    };
    await xaddEntry(deps.redis, deps.names.dlrIn, failure);
    if ((await deps.store.transition(rec.id, 'DELETED', { at })).applied) {
      await deps.store.incrementStats(statsDay(at), rec.sys, rec.smsc ?? '-', 'DELETED');
    }
  };

  return async (pdu, sys) => {
    const id = pdu.message_id ?? '';
    if (!id) return fail('mass cancel without message_id is not supported');
    const rec = await deps.store.get(id);
    if (rec && rec.sys !== sys) return fail('unknown message');
    if (rec && (isFinalState(rec.state) || rec.state === 'SUBMITTED')) return fail(`message is ${rec.state}`);
    // Without a record yet (still in `in`) there is nothing to compare the addresses with: the
    // message_id alone names one of this client's own messages.
    const wrong = rec && mismatch(pdu, sys, rec);
    if (wrong) return fail(wrong);
    if (!(await deps.backlog.cancel(sys, id))) return fail('handed to an SMSC already, ended, or unknown');
    // Still in `in` (no record): the policy-worker ends it when it reads the entry.
    if (rec) {
      await endNow(pdu, rec).catch((err: unknown) => {
        deps.logger?.warn({ err, msgId: id, systemId: sys }, 'cancelled message not ended yet; the stage that meets it ends it');
      });
    }
    return { status: STATUS.ESME_ROK };
  };
}
