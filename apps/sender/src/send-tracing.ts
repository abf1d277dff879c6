import type { OutEntry } from '@smsgw/contracts';
import { runInSpan, SPAN_ATTR, type Tracing } from '@smsgw/platform';
import type { Outcome } from './message-endings';

/**
 * The `sender submit_sm` span of a traced message (its entry carries `tp`): a child of the
 * policy span, from the claim through the waits for a link and rate tokens to the SMSC's last
 * submit_sm_resp. `send` gets the message with this span as its `tp`: the state store keeps it
 * with the SMSC ids (the SMSC's receipt carries no trace context; the dlr-worker finds it there),
 * and a failure written to `dlr-in` carries it.
 */
export function traceSend(tracing: Tracing) {
  return async (m: OutEntry & { tp: string }, send: (m: OutEntry) => Promise<Outcome>): Promise<Outcome> => {
    const span = tracing.child('sender submit_sm', m.tp, 'client', { [SPAN_ATTR.messageId]: m.id, [SPAN_ATTR.client]: m.sys, [SPAN_ATTR.pool]: m.pool });
    if (!span) return send(m);
    return runInSpan(span, async () => {
      const out = await send({ ...m, tp: span.tp });
      const submitted = out.journal?.findLast((j) => j.ev === 'submitted' && j.id === m.id);
      const refused = out.journal?.find((j) => j.ev === 'submit_failed' && j.id === m.id);
      span.set({
        [SPAN_ATTR.outcome]: out.result,
        [SPAN_ATTR.smsc]: (refused ?? submitted)?.smsc,
        [SPAN_ATTR.commandStatus]: refused ? refused.err : submitted ? 0 : undefined,
      });
      if (out.result === 'failed') span.fail(refused ? `SMSC refused it: status 0x${(refused.err ?? 0).toString(16)}` : 'ended before it was submitted (expired or cancelled)');
      return out;
    });
  };
}
