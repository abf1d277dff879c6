import { journalEventId, type DlrInFailure, type JournalEntry, type StreamNames } from '@smsgw/contracts';
import type { Redis } from './redis-client';
import { xaddEntry, type StreamEntry } from './stream-entry';
import { messagesOfEntry, type ClientBacklog } from './client-backlog';

/**
 * What happens to a poison message entry (ARCHITECTURE.md): it is journaled and the message
 * ends FAILED with a receipt (through `dlr-in`, the dlr-worker writes the receipt) — every part
 * of a client-concatenated group too — and stops counting against its client's backlog.
 */
export function createDeadLetterHandler(redis: Redis, names: StreamNames, app: string, backlog?: ClientBacklog) {
  type Message = Partial<{ id: string; sys: string; src: DlrInFailure['src']; dst: DlrInFailure['dst'] }>;
  return async (e: StreamEntry): Promise<void> => {
    const d = e.data as (Message & { parts?: Message[] }) | undefined;
    const messages: Message[] = Array.isArray(d?.parts) ? d.parts : d ? [d] : [];
    const at = Date.now();
    const reason = `delivered ${e.deliveries} times`;
    const records: JournalEntry[] = (messages.length ? messages : [{} as Message]).map((m) => ({
      eid: journalEventId(m.id ?? e.id, 'dead_lettered'), ts: at, ev: 'dead_lettered', app, id: m.id, sys: m.sys, reason,
    }));
    const writes: Promise<unknown>[] = [xaddEntry(redis, names.journal, records)];
    for (const m of messages) {
      if (!(m.id && m.sys && m.src && m.dst)) continue;
      const fail: DlrInFailure = { k: 'fail', id: m.id, sys: m.sys, src: m.src, dst: m.dst, state: 'FAILED', err: 0x08, reason: 'dead-lettered', at };
      writes.push(xaddEntry(redis, names.dlrIn, fail));
    }
    if (backlog) writes.push(backlog.remove(messagesOfEntry(e.data)));
    await Promise.all(writes);
  };
}
