import { inEntrySchema, journalEventId, type DlrInFailure, type InEntry, type JournalEntry, type OutEntry, type StreamNames } from '@smsgw/contracts';
import { POLICY_REASON_CODES, type PolicyVerdict, type RouteDecision } from '@smsgw/domain';
import type { AppMetrics, Logger } from '@smsgw/platform';
import { runBatch, xaddEntry, type BatchHandler, type EntryOutcome, type Redis, type StreamEntry } from '@smsgw/redis';
import type { StateStore } from '@smsgw/store';

export interface PolicyHandlerDeps {
  redis: Redis;
  store: StateStore;
  names: StreamNames;
  route: (destination: string) => RouteDecision | null;
  policy: (input: { sys: string; src: string; dst: string; dc: number }) => PolicyVerdict;
  metrics: AppMetrics;
  logger: Logger;
  now?: () => number;
}

/**
 * One batch of `in`: policy pipeline, routing, then the outputs — the routed entry in
 * `out:<pool>` or a rejection in `dlr-in` — and the journal, all written before the entry is
 * acknowledged. A redelivered entry is written again (at-least-once); the sender's lease makes
 * the second copy harmless.
 */
export function createPolicyHandler(deps: PolicyHandlerDeps): BatchHandler {
  const now = deps.now ?? Date.now;
  const { redis, store, names, metrics } = deps;

  const handleOne = async (e: StreamEntry): Promise<EntryOutcome> => {
    const parsed = inEntrySchema.safeParse(e.data);
    if (!parsed.success) {
      // Not an entry we can read: keep it for inspection, never loop on it.
      await redis.xadd(names.dead, '*', 'd', JSON.stringify({ stream: names.in, id: e.id, error: 'malformed', data: e.data }));
      metrics.errors.inc({ kind: 'malformed_entry' });
      deps.logger.error({ entryId: e.id }, 'malformed entry in the in stream moved to dead-letter');
      return { ack: true };
    }
    const m: InEntry = parsed.data;
    const t = now();
    const base = { id: m.id, sys: m.sys };
    const accepted: JournalEntry = { ...base, ts: m.at, ev: 'accepted', src: m.src.norm, dst: m.dst.norm, dc: m.dc };
    let verdict = deps.policy({ sys: m.sys, src: m.src.norm, dst: m.dst.norm, dc: m.dc });
    const decision = verdict.pass ? deps.route(m.dst.norm) : null;
    if (verdict.pass && !decision) {
      verdict = { pass: false, stage: 'routing', reason: 'no-route', code: POLICY_REASON_CODES['no-route'] };
    }
    if (!verdict.pass) {
      await store.createMessage({ id: m.id, sys: m.sys, src: m.src.norm, dst: m.dst.norm, rd: m.rd, state: 'POLICY_REJECTED', at: t, err: verdict.code });
      const fail: DlrInFailure = { k: 'fail', id: m.id, sys: m.sys, src: m.src, dst: m.dst, state: 'POLICY_REJECTED', err: verdict.code, reason: verdict.reason, at: t };
      const rejected: JournalEntry = {
        ...base, ts: t, ev: 'rejected', dst: m.dst.norm,
        stage: verdict.stage, reason: verdict.reason, err: verdict.code, latencyMs: t - m.at,
      };
      await xaddEntry(redis, names.dlrIn, fail);
      metrics.messages.inc({ stage: 'policy', outcome: 'rejected' });
      deps.logger.info({ msgId: m.id, stage: verdict.stage, reason: verdict.reason }, 'message rejected by policy');
      return { ack: true, journal: [accepted, rejected] };
    }
    const out: OutEntry = { ...m, pool: decision!.pool, smscs: decision!.smscs, rt: t };
    const routed: JournalEntry = {
      ...base, ts: t, ev: 'routed', pool: decision!.pool, latencyMs: t - m.at,
    };
    await store.createMessage({ id: m.id, sys: m.sys, src: m.src.norm, dst: m.dst.norm, rd: m.rd, state: 'ROUTED', pool: decision!.pool, at: t });
    await xaddEntry(redis, names.out(decision!.pool), out);
    metrics.messages.inc({ stage: 'policy', outcome: 'routed' });
    metrics.latency.observe({ stage: 'policy' }, (t - m.at) / 1000);
    return { ack: true, journal: [accepted, routed] };
  };

  return (entries) =>
    runBatch(entries, handleOne, {
      redis,
      journalStream: names.journal,
      onError: (err, e) => {
        metrics.errors.inc({ kind: 'policy_write' });
        deps.logger.warn({ err, entryId: e.id }, 'policy output not written; entry stays pending');
      },
    });
}
