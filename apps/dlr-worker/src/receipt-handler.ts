import {
  dlrInEntrySchema, dlrInReceiptSchema, isFinalState, journalEventId, RECEIPT_STAT, stateFromStat, stateFromTlv,
  type ClientMo, type ClientReceipt, type DlrInEntry, type DlrInMo, type DlrInFailure, type DlrInReceipt, type JournalEntry, type MessageState, type StreamNames,
} from '@smsgw/contracts';
import { aggregatePartStates, normaliseSmscMsgId, wantsReceipt, type SmscIdFormat } from '@smsgw/domain';
import type { AppMetrics, Logger, Tracing } from '@smsgw/platform';
import { runBatch, xaddEntry, type BatchHandler, type Redis, type StreamEntry } from '@smsgw/redis';
import { decodeText, parseReceiptText } from '@smsgw/sms-text';
import { statsDay, type MessageRecord, type StateStore } from '@smsgw/store';
import type { AggregateTracker } from './aggregate-tracker';
import { traceReceipt, type OpenSpan } from './receipt-tracing';

export interface ReceiptHandlerDeps {
  redis: Redis;
  store: StateStore;
  names: StreamNames;
  emitReceipt: (stream: string, sys: string, id: string, payload: ClientReceipt | ClientMo) => Promise<boolean>;
  metrics: AppMetrics;
  logger: Logger;
  /** The client owning an MO destination number, or null (clients[].moNumbers). */
  moRoute: (destination: string) => string | null;
  /** Each client's receipt policy for multipart messages (clients[].receipts). */
  clientPolicy: (sys: string) => { multipart: 'aggregate' | 'per-part'; aggregateTimeoutMs: number };
  aggregates: AggregateTracker;
  /** How each SMSC writes ids in its receipts (default 'text'). */
  idFormats?: Map<string, SmscIdFormat>;
  orphanAfterMs: number;
  retryDelayMs: number;
  group: string;
  /** tracing.enabled: a traced message's `dlr receipt` span, passed on in the client's receipt. */
  tracing?: Tracing;
  now?: () => number;
}

/** `pending`: a `receipts` entry's items to handle again later (with `first` set). */
type Result = { done: boolean; journal?: JournalEntry[]; first?: number; pending?: DlrInReceipt[] };

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
export function createReceiptHandler(deps: ReceiptHandlerDeps): { handle: BatchHandler; sweep: () => Promise<number> } {
  const { store, names, redis, metrics, logger } = deps;
  const now = deps.now ?? Date.now;
  const traced = deps.tracing && traceReceipt(deps.tracing, now);

  /**
   * A submit_multi destination (rec.cid) is its own message with its own receipt, written once
   * per internal id; the client sees the message_id it was given for the submit_multi
   * (`cid ?? id`, set by the ingress dispatcher) and tells the destinations apart by source_addr.
   */
  const clientReceipt = (rec: MessageRecord, state: MessageState, err: string, src: ClientReceipt['src'], dst: ClientReceipt['dst'], t: number): ClientReceipt => {
    // A literal (no spread: slow on Node 20 with properties around it); `cid` only when there is one.
    const r: ClientReceipt = {
      v: 1, id: rec.id, src, dst, state, stat: RECEIPT_STAT[state], err, sub: 1, dlvrd: state === 'DELIVERED' ? 1 : 0,
      sd: rec.times.SUBMITTED ?? rec.createdAt, dd: t, at: t, tp: rec.tp,
    };
    if (rec.cid) r.cid = rec.cid;
    return r;
  };

  const finish = async (
    rec: MessageRecord, state: MessageState, err: string, src: ClientReceipt['src'], dst: ClientReceipt['dst'], extra: JournalEntry[],
    withReceipt = true,
    /** Whether the part-final write already moved the message (then no transition of its own). */
    movedAlready?: boolean,
  ): Promise<Result> => {
    const t = now();
    const applied = movedAlready ?? (await store.transition(rec.id, state, { at: t, err: Number(err) || undefined })).applied;
    if (applied) await store.incrementStats(statsDay(t), rec.sys, rec.smsc ?? '-', state);
    // How long the SMSC took to report on what it acknowledged (not for messages it never had).
    if (applied && rec.smsc && rec.times.SUBMITTED !== undefined) metrics.receiptDelay.observe({ peer: rec.smsc }, Math.max(0, t - rec.times.SUBMITTED) / 1000);
    const recs = [...extra];
    recs.push({
      ts: t, ev: 'final', id: rec.id, sys: rec.sys,
      src: rec.src, dst: rec.dst, smsc: rec.smsc, seg: rec.segments, state, latencyMs: t - rec.createdAt,
    });
    if (withReceipt && wantsReceipt(rec.rd, state)) {
      await deps.emitReceipt(names.dlr(rec.sys), rec.sys, rec.id, clientReceipt(rec, state, err, src, dst, t));
    }
    if (rec.parts > 1) await deps.aggregates.done(rec.id);
    metrics.messages.inc({ stage: 'dlr', outcome: state.toLowerCase() });
    return { done: true, journal: recs };
  };

  const onReceipt = async (r: DlrInReceipt, open?: OpenSpan): Promise<Result> => {
    const info = readReceipt(r);
    const key = normaliseSmscMsgId(info.smscMsgId, deps.idFormats?.get(r.smsc));
    const corr = key ? await store.findCorrelation(r.smsc, key) : null;
    if (!corr) {
      // Counted from when a dlr-worker first saw it, not from when the SMSC sent it: an outage of
      // Redis (during which no sender could store its SMSC ids, and no receipt could be read)
      // does not use up the time its mapping has to arrive.
      const first = r.first ?? now();
      if (now() - first < deps.orphanAfterMs) return { done: false, first };
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
    const err = info.err.padStart(3, '0').slice(-3);
    // The message's own final state rides in the part's write when this part completes it.
    const part = await store.recordPartFinal(corr.id, corr.part, info.state, { at: now(), whole: { of: aggregatePartStates, err: Number(err) || undefined } });
    if (!part.record) return { done: true, journal: [receiptRec] };
    // A traced message (its record keeps the sender's span): the receipt's span starts here.
    const rec = open ? open(part.record, { smsc: r.smsc, state: info.state }) : part.record;
    const policy = deps.clientPolicy(rec.sys);
    const multipart = rec.parts > 1;
    // The receipt travels back: its source is the original destination.
    const [src, dst] = [r.dst, r.src];
    if (multipart && policy.multipart === 'per-part' && wantsReceipt(rec.rd, info.state)) {
      // One receipt per part, each written once (dedupe marker per part).
      await deps.emitReceipt(names.dlr(rec.sys), rec.sys, `${rec.id}:${corr.part}`, clientReceipt(rec, info.state, err, src, dst, now()));
    }
    const whole = aggregatePartStates(part.partStates);
    if (!whole) {
      if (multipart && policy.multipart === 'aggregate') await deps.aggregates.pending({ id: rec.id, src, dst }, now() + policy.aggregateTimeoutMs);
      return { done: true, journal: [receiptRec] };
    }
    return finish(rec, whole, err, src, dst, [receiptRec], !multipart || policy.multipart === 'aggregate', part.whole?.applied);
  };

  const onFailure = async (f: DlrInFailure, open?: OpenSpan): Promise<Result> => {
    const found = await store.get(f.id);
    const rec = found && open ? open(found, { state: f.state, reason: f.reason }) : found;
    if (!rec) {
      logger.error({ msgId: f.id }, 'failure for an unknown message');
      return { done: true };
    }
    // The copy that ended knows its registered_delivery (a replacement may have changed it).
    return finish(f.rd === undefined ? rec : { ...rec, rd: f.rd }, f.state, errField(f.err), f.src, f.dst, []);
  };

  /**
   * A deliver_sm that is not a receipt is a mobile-originated message: it goes to the client
   * owning the destination (written once per dlr-in entry), or is journaled as unroutable.
   */
  const onMo = async (e: StreamEntry, d: DlrInMo): Promise<Result> => {
    const sys = deps.moRoute(d.dst.addr);
    const base = { ts: now(), smsc: d.smsc, src: d.src.addr, dst: d.dst.addr, dc: d.dc };
    if (!sys) {
      metrics.messages.inc({ stage: 'dlr', outcome: 'mo_unroutable' });
      logger.warn({ smscId: d.smsc, destination: d.dst.addr }, 'MO for a number no client owns: journaled');
      return { done: true, journal: [{ ...base, eid: journalEventId(`mo:${e.id}`, 'mo_unroutable'), ev: 'mo_unroutable' }] };
    }
    const id = `mo-${e.id}`;
    const mo: ClientMo = { v: 1, k: 'mo', id, src: d.src, dst: d.dst, dc: d.dc, sm: d.sm, at: d.at };
    await deps.emitReceipt(names.dlr(sys), sys, id, mo);
    metrics.messages.inc({ stage: 'dlr', outcome: 'mo_routed' });
    return { done: true, journal: [{ ...base, id, sys, ev: 'mo_received' }] };
  };

  /** A malformed entry (or item of a `receipts` entry) goes to the dead-letter stream as it was. */
  const deadLetter = async (e: StreamEntry, data: unknown, item?: number) => {
    metrics.errors.inc({ kind: 'malformed_entry' });
    await redis.xadd(names.dead, '*', 'd', JSON.stringify({ stream: names.dlrIn, id: e.id, ...(item === undefined ? {} : { item }), error: 'malformed', data }));
  };

  const onReceiptTraced = (d: DlrInReceipt) => (traced ? traced('dlr receipt', (open) => onReceipt(d, open)) : onReceipt(d));

  /**
   * The receipts a sender grouped in one entry, each handled as its own entry would be, together.
   * The entry is done when all are; those that came too early go back to `dlr-in` (as `pending`)
   * with the time each was first seen. A throw from any leaves the whole entry pending: handling
   * one again is harmless (the state only moves forward, client receipts are written once).
   */
  const onReceipts = async (e: StreamEntry, items: unknown[]): Promise<Result> => {
    const results = await Promise.allSettled(
      items.map(async (item, i): Promise<Result & { item: unknown }> => {
        const parsed = dlrInReceiptSchema.safeParse(item);
        if (!parsed.success) {
          await deadLetter(e, item, i);
          return { done: true, item };
        }
        const r: Result & { item?: unknown } = await onReceiptTraced(parsed.data);
        r.item = item;
        return r as Result & { item: unknown };
      }),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const journal: JournalEntry[] = [];
    const pending: DlrInReceipt[] = [];
    for (const r of results as PromiseFulfilledResult<Result & { item: unknown }>[]) {
      if (r.value.journal) journal.push(...r.value.journal);
      if (!r.value.done) pending.push({ ...(r.value.item as DlrInReceipt), first: r.value.first ?? now() });
    }
    return { done: !pending.length, journal, pending };
  };

  const handleOne = async (e: StreamEntry): Promise<Result> => {
    const parsed = dlrInEntrySchema.safeParse(e.data);
    if (!parsed.success) {
      await deadLetter(e, e.data);
      return { done: true };
    }
    const d: DlrInEntry = parsed.data;
    if (d.k === 'receipt') return onReceiptTraced(d);
    if (d.k === 'receipts') return onReceipts(e, d.items);
    if (d.k === 'fail') return traced && d.tp ? traced('dlr failure', (open) => onFailure(d, open), d.tp) : onFailure(d);
    return onMo(e, d);
  };

  /**
   * A receipt that came too early goes back into `dlr-in` after a delay (the receipts of a
   * `receipts` entry that did, together in one entry); the original is acked then. Its journal
   * records (of the receipts of the entry that were done) are written now, with the batch's.
   */
  const requeueLater = (e: StreamEntry, again: DlrInReceipt[]) => {
    setTimeout(() => {
      xaddEntry(redis, names.dlrIn, again.length === 1 ? again[0] : { k: 'receipts', items: again })
        .then(() => redis.xack(names.dlrIn, deps.group, e.id))
        .catch((err) => logger.warn({ err }, 'receipt requeue failed; it comes back by reclaim'));
    }, deps.retryDelayMs).unref();
  };

  const handle: BatchHandler = (entries) =>
    runBatch(
      entries,
      async (e) => {
        const res = await handleOne(e);
        if (!res.done) requeueLater(e, res.pending ?? [{ ...(e.data as DlrInReceipt), first: res.first ?? now() }]);
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

  /**
   * Multipart messages whose other parts' receipts did not come in time get their aggregated
   * receipt now: the missing parts count as UNKNOWN (the worst state wins, SMPP.md).
   */
  const sweep = async (): Promise<number> => {
    const due = await deps.aggregates.due(now());
    let finished = 0;
    for (const p of due) {
      const rec = await store.get(p.id);
      if (!rec || isFinalState(rec.state)) {
        await deps.aggregates.done(p.id);
        continue;
      }
      const states = Array.from({ length: Math.max(rec.parts, rec.partStates.length) }, (_, i) => rec.partStates[i] ?? 'UNKNOWN');
      const res = await finish(rec, aggregatePartStates(states) ?? 'UNKNOWN', '000', p.src, p.dst, []);
      if (res.journal?.length) await xaddEntry(redis, names.journal, res.journal);
      finished++;
    }
    return finished;
  };

  return { handle, sweep };
}
