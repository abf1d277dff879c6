import { isFinalState, type DlrInFailure, type StreamNames } from '@smsgw/contracts';
import { addressOfNorm, type SmscAddress } from '@smsgw/domain';
import type { Logger } from '@smsgw/platform';
import { statsDay, type MessageRecord, type StateStore } from '@smsgw/store';
import { CANCEL_REASON } from './cancel-scripts';
import type { ClientBacklog } from './client-backlog';
import type { Redis } from './redis-client';
import type { ForwardOutcome } from './smsc-forward';
import { xaddEntry } from './stream-entry';

/** Cancelled (here, or by the SMSC that has it), or why not; `status` is the SMSC's refusal. */
export type CancelResult = { ok: true; by: 'gateway' | 'smsc' } | { ok: false; reason: string; status?: number };

export interface CancelRequest {
  /** The record when the caller read it already (null: none yet), so it is not read twice. */
  known?: MessageRecord | null;
  /** A reason to refuse this record (a cancel_sm whose addresses are not the message's). */
  check?: (rec: MessageRecord) => string | undefined;
  /** service_type the SMSC's cancel_sm carries. */
  serviceType?: string;
  /** The addresses of the receipt the client gets (default: the record's, normalised). */
  addresses?: (rec: MessageRecord) => { src: SmscAddress; dst: SmscAddress };
}

export interface MessageCancellerDeps {
  redis: Redis;
  names: StreamNames;
  store: Pick<StateStore, 'get' | 'transition' | 'incrementStats'>;
  /** Its `cancel` script races the sender's hand-off (cancel-scripts.ts). */
  backlog: Pick<ClientBacklog, 'cancel'>;
  /** A submitted message's cancel goes to its SMSC through a sender (smsc-forward.ts); absent: refused. */
  forward?: (rec: MessageRecord, serviceType: string) => Promise<ForwardOutcome>;
  logger?: Logger;
  now?: () => number;
}

/**
 * Cancels one message of a client — what a cancel_sm (SMPP v3.4 §4.9) does and what an operator
 * does through the admin API. A message not yet handed to an SMSC is never submitted: the cancel
 * wins only while its id is in the client's backlog (cancel-scripts.ts); it ends DELETED
 * (journaled `final`) and the client gets a `stat:DELETED` receipt when its registered_delivery
 * asks for failure receipts. A message already handed to an SMSC is that SMSC's to cancel: the
 * request goes to it and, once it says yes, the message ends DELETED here too (an SMSC may send
 * no receipt for it). A finished, unknown or other client's message is refused.
 */
export function createMessageCanceller(deps: MessageCancellerDeps) {
  const now = deps.now ?? Date.now;
  const fail = (reason: string, status?: number): CancelResult => ({ ok: false, reason, ...(status !== undefined ? { status } : {}) });

  /**
   * The message has a record: the policy-worker saw it, and it may wait long — SCHEDULED (a
   * schedule, quiet hours) or ROUTED behind an SMSC that is down — before a stage meets it
   * again. It ends now: the failure goes to `dlr-in` first (the dlr-worker moves it, journals
   * and sends the receipt), then the record moves here too, so the stage that meets it later
   * finds it final and ends it without a second failure. Whichever of the two moves applies
   * counts it in the stats, once. If the write fails the cancel still holds: the stage that
   * meets the message (release, sender) ends it.
   */
  const endNow = async (rec: MessageRecord, req: CancelRequest): Promise<void> => {
    const at = now();
    const addrs = req.addresses?.(rec) ?? { src: addressOfNorm(rec.src), dst: addressOfNorm(rec.dst) };
    const failure: DlrInFailure = { k: 'fail', id: rec.id, sys: rec.sys, state: 'DELETED', err: 0, reason: CANCEL_REASON, at, ...addrs };
    await xaddEntry(deps.redis, deps.names.dlrIn, failure);
    if ((await deps.store.transition(rec.id, 'DELETED', { at })).applied) {
      await deps.store.incrementStats(statsDay(at), rec.sys, rec.smsc ?? '-', 'DELETED');
    }
  };

  return {
    async cancel(sys: string, id: string, req: CancelRequest = {}): Promise<CancelResult> {
      const rec = req.known !== undefined ? req.known : await deps.store.get(id);
      if (rec && rec.sys !== sys) return fail('unknown message');
      if (rec && isFinalState(rec.state)) return fail(`message is ${rec.state}`);
      // Without a record yet (still in `in`) there is nothing to check: the id alone names one
      // of this client's own messages.
      const wrong = rec && req.check?.(rec);
      if (wrong) return fail(wrong);
      if (rec?.state !== 'SUBMITTED' && (await deps.backlog.cancel(sys, id))) {
        // Still in `in` (no record): the policy-worker ends it when it reads the entry.
        if (rec) {
          await endNow(rec, req).catch((err: unknown) => {
            deps.logger?.warn({ err, msgId: id, systemId: sys }, 'cancelled message not ended yet; the stage that meets it ends it');
          });
        }
        return { ok: true, by: 'gateway' };
      }
      // Handed to an SMSC (maybe a moment ago): that SMSC decides, through the sender holding its link.
      const sent = rec?.state === 'SUBMITTED' ? rec : await deps.store.get(id);
      if (sent?.state !== 'SUBMITTED' || sent.sys !== sys || !deps.forward) return fail('handed to an SMSC already, ended, or unknown');
      const out = await deps.forward(sent, req.serviceType ?? '');
      if (out.status !== 0) return fail(out.reason ?? `the SMSC refused the cancel (status 0x${out.status.toString(16)})`, out.status);
      await endNow(sent, req);
      return { ok: true, by: 'smsc' };
    },
  };
}

export type MessageCanceller = ReturnType<typeof createMessageCanceller>;
