import { isFinalState, journalEventId, type InEntry, type JournalEntry, type Replacement, type StreamNames } from '@smsgw/contracts';
import { messageExpiry, type AddressOptions } from '@smsgw/domain';
import type { Logger } from '@smsgw/platform';
import { xaddEntry, type ClientBacklog, type DeferredQueue, type Redis } from '@smsgw/redis';
import { STATUS, type Pdu } from '@smsgw/smpp';
import type { MessageRecord, StateStore } from '@smsgw/store';
import { addressMismatch } from './cancel-handler';
import { checkRegisteredDelivery, submitTimes } from './submit-handler';

export type ReplaceOutcome = { status: number; reason?: string };

/** What a forwarded replace_sm carries to the SMSC (smsc-forward.ts). */
export interface ForwardedReplace {
  sm: Buffer;
  schedule: string;
  validity: string;
}

export interface ReplaceHandlerDeps {
  redis: Redis;
  names: StreamNames;
  store: StateStore;
  /** Its `replace` script races the sender's hand-off (cancel-scripts.ts); `pending` finds replace_if_present's message. */
  backlog: Pick<ClientBacklog, 'replace' | 'pending'>;
  /** A held (SCHEDULED) message is released at once, so the policy decides on what it became. */
  deferred?: Pick<DeferredQueue, 'wake'>;
  /** A submitted message's replace_sm goes to its SMSC through a sender; absent: ESME_RREPLACEFAIL. */
  forward?: (rec: MessageRecord, f: ForwardedReplace) => Promise<ReplaceOutcome>;
  addressing?: (sys: string) => AddressOptions | undefined;
  /** How long a client's messages may wait (delivery.maxAgeMs, clients[].maxAgeMs). */
  maxAgeMs?: (sys: string) => number;
  logger?: Logger;
  now?: () => number;
}

const DEFAULT_MAX_AGE_MS = 48 * 3_600_000;

/**
 * The new fields of a replace_sm (§4.10.1) as a replacement, or the status its fields call for:
 * short_message and registered_delivery always; schedule_delivery_time and validity_period
 * only when given (NULL keeps the message's own). A schedule in the past means now. A new
 * schedule without a new validity gives the message its maximum age from the new schedule, as
 * a submit with that schedule would have had.
 */
export function replacementOf(pdu: Pdu, at: number, maxAgeMs: number): { set: Replacement } | ReplaceOutcome {
  if ((pdu.sm_default_msg_id ?? 0) !== 0) return { status: STATUS.ESME_RINVDFTMSGID, reason: 'predefined messages (sm_default_msg_id) are not offered' };
  const rd = pdu.registered_delivery ?? 0;
  const badRd = checkRegisteredDelivery(rd);
  if (badRd) return badRd;
  const times = submitTimes(pdu, at);
  if ('status' in times) return times;
  const { vp, due, validity } = times;
  const set: Replacement = { sm: (pdu.short_message ?? Buffer.alloc(0)).toString('base64'), rd };
  const newDue = due !== undefined ? (due > at ? due : 0) : undefined;
  if (newDue !== undefined) set.due = newDue;
  if (validity !== undefined) set.vp = vp;
  if (validity !== undefined || newDue !== undefined) {
    set.exp = messageExpiry({ at, due: newDue || undefined, validity, maxAgeMs });
  }
  return { set };
}

/** A whole new submit as the replacement of a queued message (replace_if_present_flag). */
export function replacementOfEntry(e: InEntry): Replacement {
  return { sm: e.sm, dc: e.dc, esm: e.esm, pid: e.pid, pri: e.pri, rd: e.rd, vp: e.vp ?? '', exp: e.exp, due: e.due ?? 0 };
}

/**
 * replace_sm (SMPP v3.4 §4.10). A message not yet handed to an SMSC is replaced here: its new
 * fields become its replacement (cancel-scripts.ts), which every stage that meets it applies —
 * the policy checks the new text, a new schedule holds it, and the sender never submits an
 * older copy. A held message is released at once to be decided again. A message handed to an
 * SMSC is replaced by that SMSC (`forward`). Finished, unknown and other clients' messages get
 * ESME_RREPLACEFAIL, one answer for all. Each replacement is journaled (`replaced`).
 */
export function createReplaceHandler(deps: ReplaceHandlerDeps) {
  const now = deps.now ?? Date.now;
  const fail = (reason: string): ReplaceOutcome => ({ status: STATUS.ESME_RREPLACEFAIL, reason });

  const forward = (rec: MessageRecord | null, pdu: Pdu, sys: string): Promise<ReplaceOutcome> | ReplaceOutcome => {
    if (rec?.state !== 'SUBMITTED' || rec.sys !== sys || !deps.forward) return fail('handed to an SMSC already, ended, or unknown');
    return deps.forward(rec, { sm: pdu.short_message ?? Buffer.alloc(0), schedule: pdu.schedule_delivery_time ?? '', validity: pdu.validity_period ?? '' });
  };

  /**
   * Replaces a message not yet handed off; its version, or 0. The replacement holds once the
   * script said so: what follows only speeds it up (a held message released now) or records it,
   * and failing at it must not turn the client's answer into a failure.
   */
  const replace = async (sys: string, id: string, set: Replacement, held: boolean): Promise<number> => {
    const v = await deps.backlog.replace(sys, id, set);
    if (!v) return 0;
    const journal: JournalEntry = { ts: now(), ev: 'replaced', id, sys, eid: journalEventId(id, 'replaced', 0, v) };
    await Promise.all([xaddEntry(deps.redis, deps.names.journal, journal), held ? deps.deferred?.wake(id) : undefined]).catch((err: unknown) =>
      deps.logger?.warn({ err, msgId: id, systemId: sys }, 'replacement made; journal record or early release failed'),
    );
    return v;
  };

  return {
    /** replace_sm from a client. */
    async replaceSm(pdu: Pdu, sys: string): Promise<ReplaceOutcome> {
      const id = pdu.message_id ?? '';
      if (!id) return { status: STATUS.ESME_RINVMSGID, reason: 'message_id is empty' };
      const r = replacementOf(pdu, now(), deps.maxAgeMs?.(sys) ?? DEFAULT_MAX_AGE_MS);
      if (!('set' in r)) return r;
      const rec = await deps.store.get(id);
      if (rec && rec.sys !== sys) return fail('unknown message');
      if (rec && isFinalState(rec.state)) return fail(`message is ${rec.state}`);
      const wrong = rec && addressMismatch(pdu, rec, deps.addressing?.(sys));
      if (wrong) return fail(wrong);
      if (rec?.state === 'SUBMITTED') return forward(rec, pdu, sys);
      if (await replace(sys, id, r.set, rec?.state === 'SCHEDULED')) return { status: STATUS.ESME_ROK };
      // Handed off a moment ago: its SMSC has it now.
      return forward(await deps.store.get(id), pdu, sys);
    },
    /**
     * submit_sm with replace_if_present_flag (§5.2.18): the client's latest message with the
     * same source, destination and service_type not yet handed to an SMSC becomes this one; its
     * id is the answer. Undefined when there is none: the submit is a new message.
     */
    async ifPresent(e: InEntry): Promise<string | undefined> {
      const queued = (await deps.backlog.pending(e.sys, e.src.norm, e.dst.norm)).filter((p) => p.svc === (e.svc ?? ''));
      const set = replacementOfEntry(e);
      for (const p of queued) {
        // Whether it is held is not known here: waking a message that is not held does nothing.
        if (await replace(e.sys, p.id, set, true)) return p.id;
      }
      return undefined;
    },
  };
}
