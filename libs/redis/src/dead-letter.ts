import { journalEventId, type DlrInFailure, type JournalEntry, type StreamNames } from '@smsgw/contracts';
import type { Redis } from 'ioredis';
import { xaddEntry, type StreamEntry } from './stream-entry';

/**
 * What happens to a poison message entry (ARCHITECTURE.md): it is journaled and the message
 * ends FAILED with a receipt (through `dlr-in`, the dlr-worker writes the receipt).
 */
export function createDeadLetterHandler(redis: Redis, names: StreamNames, app: string) {
  return async (e: StreamEntry): Promise<void> => {
    const m = e.data as Partial<{ id: string; sys: string; src: DlrInFailure['src']; dst: DlrInFailure['dst'] }> | undefined;
    const at = Date.now();
    const rec: JournalEntry = {
      eid: journalEventId(m?.id ?? e.id, 'dead_lettered'), ts: at, ev: 'dead_lettered', app,
      id: m?.id, sys: m?.sys, reason: `delivered ${e.deliveries} times`,
    };
    const writes: Promise<unknown>[] = [xaddEntry(redis, names.journal, [rec])];
    if (m?.id && m.sys && m.src && m.dst) {
      const fail: DlrInFailure = { k: 'fail', id: m.id, sys: m.sys, src: m.src, dst: m.dst, state: 'FAILED', err: 0x08, reason: 'dead-lettered', at };
      writes.push(xaddEntry(redis, names.dlrIn, fail));
    }
    await Promise.all(writes);
  };
}
