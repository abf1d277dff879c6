import type { InEntry, JournalEntry } from '@smsgw/contracts';
import { runInSpan, SPAN_ATTR, type Tracing } from '@smsgw/platform';
import type { EntryOutcome } from '@smsgw/redis';

/** The journal events that say what the policy decided (`accepted` only records the acceptance). */
const DECISIONS = new Set<JournalEntry['ev']>(['routed', 'rejected', 'deferred', 'scheduled']);

/**
 * The `policy check` span of a traced message (its entry carries `tp`): a child of the ingress
 * span, from `start` (the batch's read: its MCP lookups ran for every entry together) until its
 * outputs are written. `run` gets the message with this span as its `tp`, so whatever it writes
 * (`out:<pool>`, a group, the deferred queue, a rejection in `dlr-in`) continues from here.
 * Untraced messages run as they are.
 */
export function tracePolicy(tracing: Tracing) {
  return async (m: InEntry, start: number, run: (m: InEntry) => Promise<EntryOutcome>, o: { pool?: string; otherwise: string }): Promise<EntryOutcome> => {
    const span = m.tp ? tracing.child('policy check', m.tp, 'consumer', { [SPAN_ATTR.messageId]: m.id, [SPAN_ATTR.client]: m.sys, [SPAN_ATTR.pool]: o.pool }, start) : undefined;
    if (!span) return run(m);
    return runInSpan(span, async () => {
      const out = await run({ ...m, tp: span.tp });
      const decision = out.journal?.findLast((j) => DECISIONS.has(j.ev));
      span.set({ [SPAN_ATTR.outcome]: decision?.ev ?? o.otherwise, [SPAN_ATTR.reason]: decision?.reason });
      if (decision?.ev === 'rejected') span.fail(decision.reason ?? 'rejected by policy');
      return out;
    });
  };
}
