import {
  dlrInEntrySchema, journalEventId, RECEIPT_STAT, stateFromStat, stateFromTlv,
  type ClientReceipt, type DlrInEntry, type DlrInFailure, type DlrInReceipt, type JournalEntry, type MessageState, type StreamNames,
} from '@smsgw/contracts';
import { aggregatePartStates, normaliseSmscMsgId, wantsReceipt } from '@smsgw/domain';
import type { AppMetrics, Logger } from '@smsgw/platform';
import { runBatch, xaddEntry, type BatchHandler, type Redis, type StreamEntry } from '@smsgw/redis';
import { decodeText, parseReceiptText } from '@smsgw/smpp';
import type { MessageRecord, StateStore } from '@smsgw/store';

export interface ReceiptHandlerDeps {
  redis: Redis;
  store: StateStore;
  names: StreamNames;
  emitReceipt: (stream: string, sys: string, id: string, payload: ClientReceipt) => Promise<boolean>;
  metrics: AppMetrics;
  logger: Logger;
  orphanAfterMs: number;
  retryDelayMs: number;
  group: string;
  now?: () => number;
}

type Result = { done: boolean; journal?: JournalEntry[] };

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const errField = (n: number) => String(n % 1000).padStart(3, '0');

/** Receipt text and TLVs → SMSC id, state and error; TLVs win over the text (SMPP.md). */
export function readReceipt(r: DlrInReceipt) {
  let text = '';
  try {
    text = decodeText(r.dc === 0x08 ? 0x08 : 0x03, Buffer.from(r.sm, 'base64'));
  } catch {
    text = Buffer.from(r.sm, 'base64').toString('latin1');
  }
  const parsed = parseReceiptText(text);
  const smscMsgId = r.rmid ?? parsed.id ?? '';
  const state = r.mst !== undefined ? stateFromTlv(r.mst) : stateFromStat(parsed.stat ?? '');
  return { smscMsgId, state, stat: parsed.stat, err: parsed.err ?? (r.nec ? String(parseInt(r.nec.slice(-4), 16)) : '000'), parsed };
}

/**
 * One batch of `dlr-in`: SMSC receipts are correlated to our UUID and part, the lifecycle
 * moves (conditionally), and when the whole message is final the client's receipt is written
 * once. Failures (policy rejections, permanent submit errors) end the message the same way.
 * A receipt whose submit mapping is not stored yet is retried until `orphanAfterMs`.
 */
export function createReceiptHandler(deps: ReceiptHandlerDeps): BatchHandler {
  const { store, names, redis, metrics, logger } = deps;
  const now = deps.now ?? Date.now;

  const finish = async (rec: MessageRecord, state: MessageState, err: string, src: ClientReceipt['src'], dst: ClientReceipt['dst'], extra: JournalEntry[]): Promise<Result> => {
    const t = now();
    const moved = await store.transition(rec.id, state, { at: t, err: Number(err) || undefined });
    if (moved.applied) await store.incrementStats(dayOf(t), rec.sys, rec.smsc ?? '-', state);
    const recs = [...extra];
    recs.push({
      ts: t, ev: 'final', id: rec.id, sys: rec.sys,
      src: rec.src, dst: rec.dst, smsc: rec.smsc, seg: rec.parts, state, latencyMs: t - rec.createdAt,
    });
    if (wantsReceipt(rec.rd, state)) {
      const payload: ClientReceipt = {
        v: 1, id: rec.id, src, dst, state, stat: RECEIPT_STAT[state], err, sub: 1, dlvrd: state === 'DELIVERED' ? 1 : 0,
        sd: rec.times.SUBMITTED ?? rec.createdAt, dd: t, at: t,
      };
      await deps.emitReceipt(names.dlr(rec.sys), rec.sys, rec.id, payload);
    }
    metrics.messages.inc({ stage: 'dlr', outcome: state.toLowerCase() });
    return { done: true, journal: recs };
  };

  const onReceipt = async (e: StreamEntry, r: DlrInReceipt): Promise<Result> => {
    const info = readReceipt(r);
    const key = normaliseSmscMsgId(info.smscMsgId);
    const corr = key ? await store.findCorrelation(r.smsc, key) : null;
    if (!corr) {
      const first = r.first ?? r.at;
      if (now() - first < deps.orphanAfterMs) return { done: false };
      metrics.messages.inc({ stage: 'dlr', outcome: 'orphaned' });
      logger.warn({ smscId: r.smsc, smscMsgId: info.smscMsgId }, 'receipt orphaned: no message has this SMSC id');
      return {
        done: true,
        journal: [{
          eid: journalEventId(`${r.smsc}:${key}`, 'receipt_orphaned'), ts: now(), ev: 'receipt_orphaned', smsc: r.smsc, smscMsgId: info.smscMsgId, state: info.stat,
        }],
      };
    }
    const receiptRec: JournalEntry = {
      ts: now(), ev: 'receipt', id: corr.id, smsc: r.smsc, smscMsgId: key, part: corr.part, state: info.state,
    };
    if (info.state === 'ENROUTE' || info.state === 'ACCEPTED') {
      return { done: true, journal: [receiptRec] }; // intermediate: recorded, the message goes on
    }
    const part = await store.recordPartFinal(corr.id, corr.part, info.state, { at: now() });
    const whole = aggregatePartStates(part.partStates.length ? part.partStates : [info.state]);
    const rec = part.record;
    if (!whole || !rec) return { done: true, journal: [receiptRec] };
    // The receipt travels back: its source is the original destination.
    return finish(rec, whole, info.err.padStart(3, '0').slice(-3), r.dst, r.src, [receiptRec]);
  };

  const onFailure = async (f: DlrInFailure): Promise<Result> => {
    const rec = await store.get(f.id);
    if (!rec) {
      logger.error({ msgId: f.id }, 'failure for an unknown message');
      return { done: true };
    }
    return finish(rec, f.state, errField(f.err), f.src, f.dst, []);
  };

  const handleOne = async (e: StreamEntry): Promise<Result> => {
    const parsed = dlrInEntrySchema.safeParse(e.data);
    if (!parsed.success) {
      metrics.errors.inc({ kind: 'malformed_entry' });
      await redis.xadd(names.dead, '*', 'd', JSON.stringify({ stream: names.dlrIn, id: e.id, error: 'malformed', data: e.data }));
      return { done: true };
    }
    const d: DlrInEntry = parsed.data;
    if (d.k === 'receipt') return onReceipt(e, d);
    if (d.k === 'fail') return onFailure(d);
    metrics.messages.inc({ stage: 'dlr', outcome: 'mo' });
    logger.info({ smscId: d.smsc, source: d.src.addr }, 'mobile-originated message received (MO routing not configured)');
    return { done: true };
  };

  /** A receipt that came too early goes back into `dlr-in` after a delay; the original is acked then. */
  const requeueLater = (e: StreamEntry) => {
    const r = e.data as DlrInReceipt;
    setTimeout(() => {
      xaddEntry(redis, names.dlrIn, { ...r, first: r.first ?? r.at })
        .then(() => redis.xack(names.dlrIn, deps.group, e.id))
        .catch((err) => logger.warn({ err }, 'receipt requeue failed; it comes back by reclaim'));
    }, deps.retryDelayMs).unref();
  };

  return (entries) =>
    runBatch(
      entries,
      async (e) => {
        const res = await handleOne(e);
        if (!res.done) requeueLater(e);
        return { ack: res.done, journal: res.journal };
      },
      {
        redis,
        journalStream: names.journal,
        onError: (err, e) => {
          metrics.errors.inc({ kind: 'dlr' });
          logger.warn({ err, entryId: e.id }, 'receipt handling failed; entry stays pending');
        },
      },
    );
}
