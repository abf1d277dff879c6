import { applyReplacement, inEntrySchema, isFinalState, isSuperseded, type DlrInFailure, type InEntry, type JournalEntry, type OutEntry, type StreamNames } from '@smsgw/contracts';
import { reject, type PolicyVerdict, type RouteDecision } from '@smsgw/domain';
import type { AppMetrics, Logger, Tracing } from '@smsgw/platform';
import { CANCEL_REASON, createEntryAppender, runBatch, xaddEntry, type BatchHandler, type ClientBacklog, type DeferredQueue, type EntryOutcome, type Redis, type StreamEntry } from '@smsgw/redis';
import { type BatchPolicy } from '@smsgw/mcp';
import { concatInfo, messageText } from '@smsgw/sms-text';
import type { StateStore } from '@smsgw/store';
import type { ConcatGroups } from './concat-groups';
import { tracePolicy } from './policy-tracing';

export interface PolicyHandlerDeps {
  redis: Redis;
  store: StateStore;
  names: StreamNames;
  route: (sys: string, destination: string) => RouteDecision | null;
  /** The MCP over a whole read batch (one verdict per item, same order). */
  policy: BatchPolicy;
  /** Clients whose `accepted` journal records carry the message text (clients[].journalText). */
  journalText?: ReadonlySet<string>;
  /** Where parts of client-concatenated messages wait for each other; without it each goes alone. */
  concat?: ConcatGroups;
  /** Where quiet-hours `defer` verdicts wait; without it such a message is rejected. */
  deferred?: DeferredQueue;
  /** Each client's messages in flight (clients[].maxBacklog): a message refused or expired here leaves it. */
  backlog?: ClientBacklog;
  metrics: AppMetrics;
  logger: Logger;
  /** tracing.enabled: a traced message's `policy check` span, passed on in what it writes. */
  tracing?: Tracing;
  now?: () => number;
}

/**
 * One batch of `in`: the MCP verdicts of the whole batch first (its Redis lookups pipelined),
 * then per entry the outputs — the routed entry in `out:<pool>`, a rejection in `dlr-in`, or a
 * deferral — and the journal, all written before the entry is acknowledged. If the policy
 * cannot be decided (Redis unreachable) nothing but malformed entries is acked: the batch
 * comes back. A redelivered entry is written again (at-least-once); the sender's lease makes
 * the second copy harmless, and the counting marker keeps it from being counted twice.
 */
export function createPolicyHandler(deps: PolicyHandlerDeps): BatchHandler {
  const now = deps.now ?? Date.now;
  const { redis, store, names, metrics } = deps;
  const traced = deps.tracing && tracePolicy(deps.tracing);
  /** The routed messages of one tick: one script call per pool's stream, not an XADD each. */
  const appendOut = createEntryAppender(redis);

  const malformed = async (e: StreamEntry): Promise<void> => {
    // Not an entry we can read: keep it for inspection, never loop on it.
    await redis.xadd(names.dead, '*', 'd', JSON.stringify({ stream: names.in, id: e.id, error: 'malformed', data: e.data }));
    metrics.errors.inc({ kind: 'malformed_entry' });
    deps.logger.error({ entryId: e.id }, 'malformed entry in the in stream moved to dead-letter');
  };

  /**
   * Holds a message until `until` (SCHEDULED). The client may have replaced or cancelled it
   * after this batch's changes were read (changesIn) and before it was held here: the ingress'
   * early release then found nothing held to wake. Looked for again once it is held, such a
   * change releases it now, and the policy meets it again as it became. Either the ingress'
   * wake comes after the hold, or its change was written before this look: none is missed.
   */
  const hold = async (m: InEntry, until: number, t: number): Promise<void> => {
    await store.createMessage({ id: m.id, cid: m.cid, sys: m.sys, src: m.src.norm, dst: m.dst.norm, rd: m.rd, dc: m.dc, state: 'SCHEDULED', at: t });
    await deps.deferred!.defer(m, until);
    const late = await changesIn([m]);
    if (late.cancelled.has(m.id) || late.replaced.has(m.id)) await deps.deferred!.wake(m.id);
  };

  const output = async (m: InEntry, decision: RouteDecision | null, verdict: PolicyVerdict): Promise<EntryOutcome> => {
    const t = now();
    // Literals, not `{ ...base, … }`: on Node 20's V8 a spread followed by more properties costs
    // microseconds per object (docs/benchmarks.md); these run per message.
    const accepted: JournalEntry = { id: m.id, sys: m.sys, ts: m.at, ev: 'accepted', cid: m.cid, src: m.src.norm, dst: m.dst.norm, dc: m.dc };
    if (deps.journalText?.has(m.sys)) accepted.text = messageText(m) ?? undefined;
    if (verdict.pass && !decision) verdict = reject('no-route');
    if (!verdict.pass && verdict.deferUntil !== undefined && deps.deferred) {
      // Quiet hours: the message waits and runs the whole policy again when released.
      await hold(m, verdict.deferUntil, t);
      metrics.messages.inc({ stage: 'policy', outcome: 'deferred' });
      const until = new Date(verdict.deferUntil).toISOString();
      deps.logger.info({ msgId: m.id, until }, 'message deferred by quiet hours');
      // The decision is journaled (mcp); `accepted` comes when the released message passes again.
      return { ack: true, journal: [{ id: m.id, sys: m.sys, ts: t, ev: 'deferred', dst: m.dst.norm, stage: 'business-rules', reason: `quiet-hours until ${until}` }] };
    }
    if (!verdict.pass) {
      await store.createMessage({ id: m.id, cid: m.cid, sys: m.sys, src: m.src.norm, dst: m.dst.norm, rd: m.rd, dc: m.dc, state: 'POLICY_REJECTED', at: t, err: verdict.code });
      const fail: DlrInFailure = { k: 'fail', id: m.id, sys: m.sys, src: m.src, dst: m.dst, rd: m.rd, state: 'POLICY_REJECTED', err: verdict.code, reason: verdict.reason, at: t, tp: m.tp };
      const rejected: JournalEntry = {
        id: m.id, sys: m.sys, ts: t, ev: 'rejected', dst: m.dst.norm,
        stage: verdict.stage, reason: verdict.reason, err: verdict.code, latencyMs: t - m.at,
      };
      // Its end: uncounted with the same round trip (a redelivery uncounting it again is harmless).
      await Promise.all([xaddEntry(redis, names.dlrIn, fail), deps.backlog?.remove([m])]);
      metrics.messages.inc({ stage: 'policy', outcome: 'rejected' });
      deps.logger.info({ msgId: m.id, systemId: m.sys, stage: verdict.stage, reason: verdict.reason }, 'message rejected by policy');
      return { ack: true, journal: [accepted, rejected] };
    }
    // A copy of the entry plus the route (Object.assign: a spread with more properties is slow here).
    const out = Object.assign({}, m) as OutEntry;
    out.pool = decision!.pool;
    out.smscs = decision!.smscs;
    out.rt = t;
    if (decision!.weights) out.weights = decision!.weights;
    if (decision!.backup) out.backup = decision!.backup;
    const routed: JournalEntry = { id: m.id, sys: m.sys, ts: t, ev: 'routed', pool: decision!.pool, latencyMs: t - m.at };
    if (!(await store.createMessage({ id: m.id, cid: m.cid, sys: m.sys, src: m.src.norm, dst: m.dst.norm, rd: m.rd, dc: m.dc, state: 'ROUTED', pool: decision!.pool, at: t }))) {
      // Held before (schedule, quiet hours) or a redelivery: move it on (a no-op when it is ROUTED already).
      await store.transition(m.id, 'ROUTED', { at: t });
    }
    const part = deps.concat ? concatInfo(m) : null;
    if (part) {
      // A part the client cut itself waits for its siblings (durably, in Redis) and goes on with
      // them as one group, so the sender keeps their order; the group's last part forwards it,
      // and so does a part that displaced another message's open group (a reused reference).
      const closed = await deps.concat!.add(out, part);
      await deps.concat!.forward(closed, names.out);
      for (const g of closed.filter((c) => c.why !== 'complete')) {
        deps.logger.warn({ systemId: g.sys, parts: g.parts.length, why: g.why }, 'incomplete client-concatenated message sent as it is');
      }
    } else {
      await appendOut(names.out(decision!.pool), out);
    }
    metrics.messages.inc({ stage: 'policy', outcome: 'routed' });
    metrics.latency.observe({ stage: 'policy' }, (t - m.at) / 1000);
    return { ack: true, journal: [accepted, routed] };
  };

  /**
   * A message whose schedule_delivery_time is still ahead waits (SCHEDULED) and comes back to
   * `in` when due, where the policy runs then; one whose validity ran out ends EXPIRED here.
   * Neither is counted against caps or quotas now.
   */
  const expired = (m: InEntry, t: number) => m.exp !== undefined && t >= m.exp;
  const held = async (m: InEntry, t: number): Promise<EntryOutcome> => {
    if (expired(m, t)) {
      // The record exists already when the message was held (SCHEDULED); the dlr-worker ends it EXPIRED.
      await store.createMessage({ id: m.id, cid: m.cid, sys: m.sys, src: m.src.norm, dst: m.dst.norm, rd: m.rd, dc: m.dc, state: 'ACCEPTED', at: t });
      const fail: DlrInFailure = { k: 'fail', id: m.id, sys: m.sys, src: m.src, dst: m.dst, rd: m.rd, state: 'EXPIRED', err: 0, reason: 'validity expired before it was sent', at: t };
      await Promise.all([xaddEntry(redis, names.dlrIn, fail), deps.backlog?.remove([m])]);
      metrics.messages.inc({ stage: 'policy', outcome: 'expired' });
      return { ack: true, journal: [{ id: m.id, sys: m.sys, ts: m.at, ev: 'accepted', cid: m.cid, src: m.src.norm, dst: m.dst.norm, dc: m.dc }] };
    }
    await hold(m, m.due!, t);
    metrics.messages.inc({ stage: 'policy', outcome: 'scheduled' });
    const until = new Date(m.due!).toISOString();
    return { ack: true, journal: [{ id: m.id, sys: m.sys, ts: t, ev: 'scheduled', dst: m.dst.norm, reason: `scheduled until ${until}` }] };
  };
  /**
   * cancel_sm won for this message (its id is in the client's `cancelled` set): it is not
   * routed, it ends DELETED — the failure in `dlr-in`, where the dlr-worker moves the record,
   * journals `final` and sends the receipt. A record already final was ended by the ingress
   * (a held message is ended at once when cancelled): dropped without a second failure.
   */
  const cancelled = async (m: InEntry, t: number): Promise<EntryOutcome> => {
    // Created ACCEPTED as for an expiry, so that the dlr-worker's move to DELETED applies.
    const created = await store.createMessage({ id: m.id, cid: m.cid, sys: m.sys, src: m.src.norm, dst: m.dst.norm, rd: m.rd, dc: m.dc, state: 'ACCEPTED', at: t });
    const rec = created ? null : await store.get(m.id);
    if (rec && isFinalState(rec.state)) {
      await deps.backlog?.remove([m]);
      return { ack: true };
    }
    const fail: DlrInFailure = { k: 'fail', id: m.id, sys: m.sys, src: m.src, dst: m.dst, rd: m.rd, state: 'DELETED', err: 0, reason: CANCEL_REASON, at: t };
    await Promise.all([xaddEntry(redis, names.dlrIn, fail), deps.backlog?.remove([m])]);
    metrics.messages.inc({ stage: 'policy', outcome: 'cancelled' });
    deps.logger.info({ msgId: m.id, systemId: m.sys }, 'cancelled message not routed');
    return { ack: true, journal: created ? [{ id: m.id, sys: m.sys, ts: m.at, ev: 'accepted', cid: m.cid, src: m.src.norm, dst: m.dst.norm, dc: m.dc }] : [] };
  };

  /**
   * What the client did to the messages of a batch since they were accepted: the cancelled
   * ids, and each replaced message as replaced (replace_sm, replace_if_present_flag) — the
   * policy runs on what will be sent. One ZMSCORE and one HMGET per client in the batch,
   * sharing a round trip.
   */
  const changesIn = async (ms: readonly InEntry[]): Promise<{ cancelled: Set<string>; replaced: Map<string, InEntry> }> => {
    if (!deps.backlog || !ms.length) return { cancelled: new Set(), replaced: new Map() };
    const bySys = new Map<string, InEntry[]>();
    for (const m of ms) {
      const list = bySys.get(m.sys);
      if (list) list.push(m);
      else bySys.set(m.sys, [m]);
    }
    const per = await Promise.all([...bySys].map(async ([sys, list]) => {
      const ids = list.map((m) => m.id);
      const [cancelled, replacements] = await Promise.all([deps.backlog!.cancelledOf(sys, ids), deps.backlog!.replacementsOf(sys, ids)]);
      const replaced = list.flatMap((m) => {
        const r = replacements.get(m.id);
        return isSuperseded(m, r) ? [[m.id, applyReplacement(m, r)] as const] : [];
      });
      return { cancelled, replaced };
    }));
    return { cancelled: new Set(per.flatMap((p) => [...p.cancelled])), replaced: new Map(per.flatMap((p) => p.replaced)) };
  };

  const isHeld = (m: InEntry, t: number) => expired(m, t) || (m.due !== undefined && m.due > t && !!deps.deferred);

  return async (entries) => {
    const good: Array<{ e: StreamEntry; m: InEntry; decision: RouteDecision | null }> = [];
    const bad: StreamEntry[] = [];
    const read: Array<{ e: StreamEntry; m: InEntry }> = [];
    const waiting: typeof read = [];
    const dropped: typeof read = [];
    const t0 = now();
    for (const e of entries) {
      const parsed = inEntrySchema.safeParse(e.data);
      if (parsed.success) read.push({ e, m: parsed.data });
      else bad.push(e);
    }
    const badAck = (await Promise.allSettled(bad.map(malformed))).flatMap((r, i) => (r.status === 'fulfilled' ? [bad[i]!.id] : []));
    let verdicts: PolicyVerdict[];
    try {
      // Cancelled messages first (a released held one too): they are neither held nor routed.
      // A replaced one goes on as replaced: its new schedule may hold it, its new text is checked.
      const changes = await changesIn(read.map((r) => r.m));
      for (const r of read) {
        r.m = changes.replaced.get(r.m.id) ?? r.m;
        if (changes.cancelled.has(r.m.id)) dropped.push(r);
        else if (isHeld(r.m, t0)) waiting.push(r);
        else good.push({ e: r.e, m: r.m, decision: deps.route(r.m.sys, r.m.dst.norm) });
      }
      verdicts = await deps.policy(good.map((g) => ({ entry: g.m, pool: g.decision?.pool ?? null })));
    } catch (err) {
      metrics.errors.inc({ kind: 'policy_lookup' });
      deps.logger.warn({ err }, 'policy lookups failed; batch stays pending');
      return { ack: badAck };
    }
    const byId = new Map(good.map((g, i) => [g.e.id, { e: g.e, m: g.m, decision: g.decision, verdict: verdicts[i]! }]));
    const heldById = new Map(waiting.map((w) => [w.e.id, w.m]));
    const droppedById = new Map(dropped.map((d) => [d.e.id, d.m]));
    const res = await runBatch([...dropped.map((d) => d.e), ...waiting.map((w) => w.e), ...good.map((g) => g.e)], (e) => {
      const d = droppedById.get(e.id);
      if (d) return traced ? traced(d, t0, (m) => cancelled(m, t0), { otherwise: 'cancelled' }) : cancelled(d, t0);
      const w = heldById.get(e.id);
      if (w) return traced ? traced(w, t0, (m) => held(m, t0), { otherwise: 'expired' }) : held(w, t0);
      const g = byId.get(e.id)!;
      if (!traced) return output(g.m, g.decision, g.verdict);
      return traced(g.m, t0, (m) => output(m, g.decision, g.verdict), { pool: g.decision?.pool, otherwise: 'routed' });
    }, {
      redis,
      journalStream: names.journal,
      onError: (err, e) => {
        metrics.errors.inc({ kind: 'policy_write' });
        deps.logger.warn({ err, entryId: e.id }, 'policy output not written; entry stays pending');
      },
    });
    const acked = new Set([...badAck, ...res.ack]);
    return { ack: entries.map((e) => e.id).filter((id) => acked.has(id)) };
  };
}
