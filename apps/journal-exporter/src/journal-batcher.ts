import { expandJournalEntry, JOURNAL_EVENTS, type JournalEntry, type JournalRecord } from '@smsgw/contracts';
import type { AppMetrics, Logger } from '@smsgw/platform';
import type { BatchHandler, StreamEntry } from '@smsgw/redis';

export interface JournalBatcherDeps {
  /** Uploads one object; resolves only when S3 has it. */
  upload: (bucket: 'proxy' | 'mcp', records: JournalRecord[], range: { first: string; last: string }, at: Date) => Promise<unknown>;
  /** Acknowledges stream entries (after their upload). */
  ack: (ids: string[]) => Promise<unknown>;
  maxRecords: number;
  maxBytes: number;
  maxAgeMs: number;
  metrics: AppMetrics;
  logger: Logger;
  now?: () => number;
}

interface Batch {
  ids: string[];
  seen: Set<string>;
  records: JournalRecord[];
  bytes: number;
  started: number;
}

const EVENTS = new Set<string>(JOURNAL_EVENTS);

function isEntry(x: unknown): x is JournalEntry {
  const r = x as Partial<JournalEntry> | null;
  return !!r && typeof r === 'object' && typeof r.ts === 'number' && typeof r.ev === 'string' && EVENTS.has(r.ev);
}

const hourKey = (ts: number) => new Date(ts).toISOString().slice(0, 13); // YYYY-MM-DDTHH

/**
 * Collects journal entries into batches bounded by records, bytes and age; a batch becomes one
 * gzip NDJSON object per (bucket, hour) and its entries are acked only after every object of
 * the batch is in S3. While a full batch uploads, nothing more is read (backpressure).
 */
export function createJournalBatcher(deps: JournalBatcherDeps) {
  const now = deps.now ?? Date.now;
  let batch: Batch | undefined;
  let flushing: Promise<void> | undefined;
  let closing = false;

  const flushNow = async () => {
    const b = batch;
    if (!b || !b.ids.length) return;
    batch = undefined;
    const groups = new Map<string, JournalRecord[]>();
    for (const r of b.records) {
      const key = `${r.bucket}|${hourKey(r.ts)}`;
      const list = groups.get(key);
      if (list) list.push(r);
      else groups.set(key, [r]);
    }
    const range = { first: b.ids[0], last: b.ids[b.ids.length - 1] };
    for (;;) {
      try {
        for (const [key, records] of groups) {
          const [bucket] = key.split('|') as ['proxy' | 'mcp'];
          await deps.upload(bucket, records, range, new Date(records[0].ts));
        }
        break;
      } catch (err) {
        // Closing: leave the entries pending; another exporter (or this one restarted) takes them.
        if (closing) return;
        // S3 away: keep the batch, retry with backoff; the journal stream absorbs the wait.
        deps.metrics.errors.inc({ kind: 's3_upload' });
        deps.logger.warn({ err: (err as Error).message, records: b.records.length }, 'journal upload failed; retrying');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    await deps.ack(b.ids);
    deps.metrics.messages.inc({ stage: 'journal', outcome: 'exported' }, b.records.length);
  };

  const flush = () => {
    flushing ??= flushNow().finally(() => (flushing = undefined));
    return flushing;
  };

  const handler: BatchHandler = async (entries: StreamEntry[]) => {
    if (flushing) await flushing;
    batch ??= { ids: [], seen: new Set(), records: [], bytes: 0, started: now() };
    for (const e of entries) {
      if (batch.seen.has(e.id)) continue;
      batch.seen.add(e.id);
      batch.ids.push(e.id);
      const list = Array.isArray(e.data) ? e.data : [e.data];
      for (const item of list) {
        // Producers build entries from the typed contract; a cheap shape check keeps foreign
        // entries out without a full parse of every record (the exporter's hot loop).
        if (!isEntry(item)) {
          deps.metrics.errors.inc({ kind: 'malformed_journal_record' });
          continue;
        }
        batch.records.push(expandJournalEntry(item));
      }
      batch.bytes += e.size;
    }
    if (batch.records.length >= deps.maxRecords || batch.bytes >= deps.maxBytes) await flush();
    return { ack: [] }; // acked by flush, after the upload
  };

  return {
    handler,
    /** Flushes a batch older than maxAgeMs (call on a timer). */
    tick: async () => {
      if (batch && now() - batch.started >= deps.maxAgeMs) await flush();
    },
    flush,
    /** Uploads what is batched (one try when S3 is away), then stops retrying. */
    async close() {
      const last = flush();
      closing = true;
      await last;
    },
    get pendingRecords() {
      return batch?.records.length ?? 0;
    },
  };
}
