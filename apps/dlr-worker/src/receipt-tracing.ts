import { SPAN_ATTR, type StageSpan, type Tracing } from '@smsgw/platform';
import type { MessageRecord } from '@smsgw/store';

/**
 * Opens the span once the message's record is known (the SMSC's receipt carries no trace
 * context: the record keeps the sender's span) and gives the record to go on with: with this
 * span as its `tp`, so the client's receipt carries it to the ingress's deliver_sm.
 */
export type OpenSpan = (rec: MessageRecord, about: { smsc?: string; state: string; reason?: string }) => MessageRecord;

/**
 * The dlr-worker's span of a traced message: `run` calls `open` when it has found the record;
 * an untraced message (no `tp` in its record, nor `parentTp` given) gets none. The span starts
 * when the entry's handling did, and is failed when the message ends otherwise than DELIVERED.
 */
export function traceReceipt(tracing: Tracing, now: () => number) {
  return async <R>(name: string, run: (open: OpenSpan) => Promise<R>, parentTp?: string): Promise<R> => {
    const started = now();
    const held: { span?: StageSpan } = {};
    const open: OpenSpan = (rec, about) => {
      const tp = parentTp ?? rec.tp;
      const span = tp
        ? tracing.child(name, tp, 'consumer', {
          [SPAN_ATTR.messageId]: rec.id, [SPAN_ATTR.client]: rec.sys, [SPAN_ATTR.smsc]: about.smsc ?? rec.smsc, [SPAN_ATTR.outcome]: about.state, [SPAN_ATTR.reason]: about.reason,
        }, started)
        : undefined;
      if (!span) return rec;
      held.span = span;
      if (about.state !== 'DELIVERED') span.fail(about.reason ?? `the message ended ${about.state}`);
      return { ...rec, tp: span.tp };
    };
    try {
      return await run(open);
    } catch (err) {
      held.span?.fail((err as Error).message);
      throw err;
    } finally {
      held.span?.end();
    }
  };
}
