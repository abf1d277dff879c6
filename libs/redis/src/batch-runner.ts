import type { JournalEntry } from '@smsgw/contracts';
import type { Redis } from './redis-client';
import { xaddEntry, type StreamEntry } from './stream-entry';
import type { BatchControl } from './stream-consumer';

/** What handling one entry gave: ack it or not, and the journal records it produced. */
export interface EntryOutcome {
  ack: boolean;
  /** Give the entry back to its stream now (as a new entry; see BatchHandler). */
  requeue?: boolean;
  journal?: JournalEntry[];
}

/**
 * Handles the entries of one read batch concurrently, then writes the journal records of the
 * whole batch as ONE stream entry (a round trip per batch, not per message) before anything is
 * acked. If that write fails nothing is acked: the batch comes back and is handled again
 * (every stage is idempotent).
 */
export async function runBatch(
  entries: StreamEntry[],
  handleOne: (e: StreamEntry) => Promise<EntryOutcome>,
  opts: {
    redis: Redis;
    journalStream: string;
    onError: (err: unknown, e: StreamEntry) => void;
    /** The consumer's control of the batch: an entry that failed is let go at once (not held with the rest). */
    control?: BatchControl;
  },
): Promise<{ ack: string[]; requeue: string[] }> {
  const results = await Promise.allSettled(
    entries.map((e) =>
      handleOne(e).catch((err: unknown) => {
        opts.control?.release([e.id]);
        throw err;
      }),
    ),
  );
  const ack: string[] = [];
  const requeue: string[] = [];
  const journal: JournalEntry[] = [];
  results.forEach((r, i) => {
    if (r.status === 'rejected') return opts.onError(r.reason, entries[i]);
    if (r.value.ack) ack.push(entries[i].id);
    else if (r.value.requeue) requeue.push(entries[i].id);
    if (r.value.journal) journal.push(...r.value.journal);
  });
  if (journal.length) await xaddEntry(opts.redis, opts.journalStream, journal);
  return { ack, requeue };
}
