import { applyReplacement, isFinalState, type DlrInFailure, type InEntry, type JournalEntry, type OutEntry, type StreamNames, type VersionedReplacement } from '@smsgw/contracts';
import type { AppMetrics, Logger } from '@smsgw/platform';
import { CANCEL_REASON, xaddEntry, type Redis, type StreamEntry } from '@smsgw/redis';
import type { StateStore } from '@smsgw/store';

/** How a message's entry ends here: acknowledged (sent, failed, duplicate, replaced), held (retry), or given back (requeue). */
export type Outcome = { result: 'sent' | 'failed' | 'duplicate' | 'retry' | 'requeue' | 'replaced'; journal?: JournalEntry[] };

export interface MessageEndingsDeps {
  redis: Redis;
  store: StateStore;
  names: StreamNames;
  metrics: AppMetrics;
  logger: Logger;
  leaseKey: (m: { sys: string; id: string }) => string;
  /** Messages whose replaced copy went back to `in`: still in flight, they stay in their client's backlog. */
  reinjected: Set<string>;
}

/**
 * The ways a message's send ends other than with its SMSC's acknowledgement: each writes what
 * follows from it (a failure in `dlr-in`, the replaced copy in `in`, a dead letter) before the
 * entry is acknowledged.
 */
export function createMessageEndings(deps: MessageEndingsDeps) {
  const { redis, store, names, metrics, logger, leaseKey, reinjected } = deps;

  /** The validity ran out before the message (or its next part) went: EXPIRED, never sent after. */
  const expire = async (m: OutEntry, part: number, smsc: string | undefined): Promise<Outcome> => {
    const at = Date.now();
    const failure: DlrInFailure = { k: 'fail', id: m.id, sys: m.sys, src: m.src, dst: m.dst, rd: m.rd, state: 'EXPIRED', err: 0, reason: 'validity expired before it was submitted', at };
    await xaddEntry(redis, names.dlrIn, failure);
    metrics.messages.inc({ stage: 'sender', outcome: 'expired' });
    logger.info({ msgId: m.id, smscId: smsc, part }, 'message expired before it was submitted');
    return { result: 'failed' };
  };

  /**
   * cancel_sm won before the hand-off: the message is never submitted and ends DELETED through
   * `dlr-in` (the dlr-worker moves it, journals, sends the receipt). A record already final was
   * ended by the ingress when it cancelled (the message waited here for its link): no second failure.
   */
  const cancelled = async (m: OutEntry): Promise<Outcome> => {
    const rec = await store.get(m.id);
    if (rec && !isFinalState(rec.state)) {
      const failure: DlrInFailure = { k: 'fail', id: m.id, sys: m.sys, src: m.src, dst: m.dst, rd: m.rd, state: 'DELETED', err: 0, reason: CANCEL_REASON, at: Date.now() };
      await xaddEntry(redis, names.dlrIn, failure);
    }
    metrics.messages.inc({ stage: 'sender', outcome: 'cancelled' });
    logger.info({ msgId: m.id, systemId: m.sys }, 'cancelled message not submitted');
    return { result: 'failed' };
  };

  /**
   * replace_sm (or replace_if_present_flag) changed the message before its hand-off: this copy
   * does not go. The message as replaced goes back to `in` — the policy checks its new text,
   * its new schedule holds it — and reaches a sender again as a copy of the latest version.
   * Its lease is let go at once, so that copy is not kept waiting for it.
   */
  const replaced = async (m: OutEntry, r: VersionedReplacement): Promise<Outcome> => {
    const { pool: _pool, smscs: _smscs, weights: _weights, backup: _backup, rt: _rt, ...entry } = applyReplacement(m, r);
    await xaddEntry(redis, names.in, entry satisfies InEntry);
    reinjected.add(m.id);
    await redis.del(leaseKey(m)).catch(() => undefined);
    metrics.messages.inc({ stage: 'sender', outcome: 'replaced' });
    logger.info({ msgId: m.id, systemId: m.sys, version: r.v }, 'replaced message back to policy');
    return { result: 'replaced' };
  };

  const fail = async (m: OutEntry, status: number, smsc: string, part: number, command: string) => {
    const at = Date.now();
    // The SMSC refused it for good (or its retries ran out): UNDELIVERABLE, its status in the receipt.
    const failure: DlrInFailure = { k: 'fail', id: m.id, sys: m.sys, src: m.src, dst: m.dst, rd: m.rd, state: 'UNDELIVERABLE', err: status, reason: `${command} status 0x${status.toString(16)}`, at, tp: m.tp };
    await xaddEntry(redis, names.dlrIn, failure);
    const rec: JournalEntry = {
      ts: at, ev: 'submit_failed', id: m.id, sys: m.sys, smsc, part, err: status, dst: m.dst.norm,
    };
    return rec;
  };

  const malformed = async (e: StreamEntry): Promise<Outcome> => {
    await redis.xadd(names.dead, '*', 'd', JSON.stringify({ id: e.id, error: 'malformed', data: e.data }));
    metrics.errors.inc({ kind: 'malformed_entry' });
    return { result: 'failed' };
  };

  /** Shutting down while the message waits: it goes back to its stream at once, failed for nothing. */
  const giveBack = async (m: OutEntry): Promise<Outcome> => {
    await redis.del(leaseKey(m)).catch(() => undefined);
    return { result: 'requeue' };
  };

  return { expire, cancelled, replaced, fail, malformed, giveBack };
}
