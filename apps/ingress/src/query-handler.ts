import { isFinalState, MESSAGE_STATE_TLV, type MessageState } from '@smsgw/contracts';
import { STATUS, type Pdu } from '@smsgw/smpp';
import type { MessageRecord, StateStore } from '@smsgw/store';

/**
 * message_state of query_sm_resp (SMPP v3.4 §5.2.28): the receipt TLV values, except that a
 * message we only queued so far is ENROUTE, not the SMSC's ACCEPTED (manually accepted).
 */
const QUERY_STATE: Record<MessageState, number> = { ...MESSAGE_STATE_TLV, ACCEPTED: 1 };

/** §7.1.1 absolute time, UTC: YYMMDDhhmmss, tenths 0, offset 00, '+'. */
export function smppAbsoluteTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}000+`;
}

export type QueryOutcome = { status: number; fields?: Partial<Pdu> };

/** What query_sm_resp tells of a message: message_state, and once final its time and error_code. */
type Answer = { state: number; final: boolean; at?: number; err: number };

/** Not final yet, whatever the stage: §5.2.28 ENROUTE, no final_date. */
const ENROUTE: Answer = { state: QUERY_STATE.ACCEPTED, final: false, err: 0 };

const answered = (message_id: string, a: Answer): QueryOutcome => ({
  status: STATUS.ESME_ROK,
  fields: { message_id, final_date: a.final && a.at ? smppAbsoluteTime(a.at) : '', message_state: a.state, error_code: a.err },
});

/**
 * One submit_multi (§4.5) as one answer, from its destinations' answers in submit order: ENROUTE
 * while any is not final; once all are, DELIVERED if all were, else the state and error_code of
 * the first that was not; final_date the latest.
 */
function aggregate(all: readonly Answer[]): Answer {
  if (all.some((a) => !a.final)) return ENROUTE;
  const failed = all.find((a) => a.state !== QUERY_STATE.DELIVERED);
  return { state: failed?.state ?? QUERY_STATE.DELIVERED, final: true, at: Math.max(0, ...all.map((a) => a.at ?? 0)), err: failed?.err ?? 0 };
}

/**
 * query_sm (§4.8) answered from the state store. A client sees only its own messages: an
 * unknown UUID and another client's UUID get the same ESME_RQUERYFAIL. A message accepted a
 * moment ago has no record yet (the policy-worker creates it when it reads the entry from
 * `in`): `inFlight` — the client's backlog set, written before the ESME_ROK — knows it, and it
 * is ENROUTE, never ESME_RQUERYFAIL. A message the client cancelled is DELETED at once
 * (`cancelled`: the client's set of cancelled ids, cancel-scripts.ts).
 *
 * The message_id of a submit_multi (`cid`) names no record: `idsOf` (multi-ids.ts, the client's
 * own, written before the ESME_ROK) gives its messages, and the answer is one state for all of
 * them (SMPP has one message_state per message_id): ENROUTE while any destination is not final
 * (a destination without a record yet is not final); once all are final, DELIVERED when every
 * one was delivered, else the state and error_code of the first destination in submit order
 * that was not; final_date the latest of them. Another client's cid is unknown here:
 * ESME_RQUERYFAIL.
 */
export function createQueryHandler(
  store: StateStore,
  inFlight?: (sys: string, id: string) => Promise<boolean>,
  cancelled?: (sys: string, id: string) => Promise<boolean>,
  idsOf?: (sys: string, cid: string) => Promise<string[] | null>,
): (pdu: Pdu, sys: string) => Promise<QueryOutcome> {
  /** The answer for the client's own message `id` (`rec`: its record, if any); null when neither recorded nor cancelled. */
  const answerOf = async (sys: string, id: string, rec: MessageRecord | null): Promise<Answer | null> => {
    // Cancelled (cancel_sm answered ESME_ROK) but not yet moved to DELETED by the stage that
    // ends it: DELETED already, not ENROUTE. `cancelled` is the client's own set, so another
    // client's id never answers here.
    if ((!rec || !isFinalState(rec.state)) && (await cancelled?.(sys, id))) return { state: QUERY_STATE.DELETED, final: true, at: Date.now(), err: 0 };
    if (!rec) return null;
    const final = isFinalState(rec.state);
    // error_code is one octet (network specific): the low byte of our error, 0 when none.
    return { state: QUERY_STATE[rec.state], final, at: rec.times[rec.state], err: final && rec.err ? rec.err & 0xff : 0 };
  };

  return async (pdu, sys) => {
    const id = pdu.message_id ?? '';
    if (!id) return { status: STATUS.ESME_RQUERYFAIL };
    const rec = await store.get(id);
    if (!rec) {
      const ids = await idsOf?.(sys, id);
      if (ids?.length) {
        // Neither recorded nor cancelled: still on its way from `in` to the policy-worker.
        const each = await Promise.all(ids.map(async (m) => (await answerOf(sys, m, await store.get(m))) ?? ENROUTE));
        return answered(id, aggregate(each));
      }
    }
    if (rec && rec.sys !== sys) return { status: STATUS.ESME_RQUERYFAIL };
    const own = await answerOf(sys, id, rec);
    if (own) return answered(id, own);
    if (await inFlight?.(sys, id)) return answered(id, ENROUTE);
    return { status: STATUS.ESME_RQUERYFAIL };
  };
}
