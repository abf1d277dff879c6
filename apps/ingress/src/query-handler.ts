import { isFinalState, MESSAGE_STATE_TLV, type MessageState } from '@smsgw/contracts';
import { STATUS, type Pdu } from '@smsgw/smpp';
import type { StateStore } from '@smsgw/store';

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

/**
 * query_sm (§4.8) answered from the state store. A client sees only its own messages: an
 * unknown UUID and another client's UUID get the same ESME_RQUERYFAIL. A message accepted a
 * moment ago has no record yet (the policy-worker creates it when it reads the entry from
 * `in`): `inFlight` — the client's backlog set, written before the ESME_ROK — knows it, and it
 * is ENROUTE, never ESME_RQUERYFAIL. A message the client cancelled is DELETED at once
 * (`cancelled`: the client's set of cancelled ids, cancel-scripts.ts).
 */
export function createQueryHandler(
  store: StateStore,
  inFlight?: (sys: string, id: string) => Promise<boolean>,
  cancelled?: (sys: string, id: string) => Promise<boolean>,
): (pdu: Pdu, sys: string) => Promise<QueryOutcome> {
  return async (pdu, sys) => {
    const id = pdu.message_id ?? '';
    const rec = id ? await store.get(id) : null;
    // Cancelled (cancel_sm answered ESME_ROK) but not yet moved to DELETED by the stage that
    // ends it: DELETED already, not ENROUTE. `cancelled` is the client's own set, so another
    // client's id never answers here.
    if ((!rec || (rec.sys === sys && !isFinalState(rec.state))) && id && (await cancelled?.(sys, id))) {
      return { status: STATUS.ESME_ROK, fields: { message_id: id, final_date: smppAbsoluteTime(Date.now()), message_state: QUERY_STATE.DELETED, error_code: 0 } };
    }
    if (!rec && id && (await inFlight?.(sys, id))) {
      return { status: STATUS.ESME_ROK, fields: { message_id: id, final_date: '', message_state: QUERY_STATE.ACCEPTED, error_code: 0 } };
    }
    if (!rec || rec.sys !== sys) return { status: STATUS.ESME_RQUERYFAIL };
    const final = isFinalState(rec.state);
    const at = rec.times[rec.state];
    return {
      status: STATUS.ESME_ROK,
      fields: {
        message_id: id,
        final_date: final && at ? smppAbsoluteTime(at) : '',
        message_state: QUERY_STATE[rec.state],
        // error_code is one octet (network specific): the low byte of our error, 0 when none.
        error_code: final && rec.err ? rec.err & 0xff : 0,
      },
    };
  };
}
