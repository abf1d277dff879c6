import type { AppMetrics, Logger } from '@smsgw/platform';
import type { BatchHandler, StreamEntry } from '@smsgw/redis';
import { buildBatch, countForStats, type Bucket, type RawEntry } from './batch-build';
import type { BatchLedger, BatchManifest } from './batch-ledger';

export interface ObjectStore {
  keyFor(kind: string, range: { first: string; last: string }, at: Date): string;
  /** Stores the object's NDJSON (consecutive UTF-8 chunks; gzip is the store's business) under `key`, replacing any. */
  putNdjson(bucket: Bucket, key: string, ndjson: readonly Uint8Array[]): Promise<unknown>;
  exists(bucket: Bucket, key: string): Promise<boolean>;
}

export interface JournalBatcherDeps {
  ledger: BatchLedger;
  store: ObjectStore;
  /** Instance name in object keys and batch ids. */
  instance: string;
  kind?: string;
  maxRecords: number;
  maxBytes: number;
  maxAgeMs: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Statistics period (ms); 0 = no statistics. */
  statsPeriodMs?: number;
  metrics: AppMetrics;
  logger: Logger;
  now?: () => number;
}

interface Collecting {
  entries: Map<string, RawEntry>;
  records: number;
  bytes: number;
  started: number;
}

const countItems = (data: unknown) => (Array.isArray(data) ? data.length : 1);

/**
 * Collects journal stream entries into batches bounded by records, bytes and age. A batch is
 * exported exactly once as objects: its ids and object keys are recorded in Redis (the ledger)
 * before the upload, its entries are acked only after every object is stored, and an exporter
 * that gets entries of a recorded batch back (after a crash) rebuilds that very batch — same
 * entries, same keys — instead of mixing them into a new one. One export runs at a time; while
 * it waits for S3 nothing more is read (backpressure: the journal stream holds the records).
 */
export function createJournalBatcher(deps: JournalBatcherDeps) {
  const now = deps.now ?? Date.now;
  const kind = deps.kind ?? 'events';
  const retryMin = deps.retryMinMs ?? 500;
  const retryMax = deps.retryMaxMs ?? 30_000;
  const { ledger, store, metrics, logger } = deps;
  let collecting: Collecting | undefined;
  /** Ids of the batch being exported by this process (claimed back by our own reclaim timer). */
  const exporting = new Set<string>();
  let chain: Promise<unknown> = Promise.resolve();
  let closing = false;
  let wake: (() => void) | undefined;

  /** Runs exports one after the other. */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.catch(() => undefined);
    return p;
  };

  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      wake = () => {
        clearTimeout(t);
        r();
      };
    });

  /**
   * Retries `fn` with doubling backoff until it succeeds; throws only once closing (the batch
   * stays open in Redis and pending in the stream: the next exporter finishes it).
   */
  const persist = async <T>(what: string, fn: () => Promise<T>, info: object): Promise<T> => {
    let delay = retryMin;
    const since = now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (closing) throw err;
        metrics.errors.inc({ kind: what });
        logger.warn({ err: (err as Error).message, attempt, waitingMs: now() - since, ...info }, `${what} failed; retrying`);
        await sleep(delay);
        delay = Math.min(retryMax, delay * 2);
      }
    }
  };

  const upload = async (m: BatchManifest, built: ReturnType<typeof buildBatch>, onlyIfAbsent = false) => {
    for (const obj of built.objects) {
      const key = m.objects.find((o) => o.group === obj.group)?.key;
      // A recorded batch rebuilt from the same entries has the same groups; anything else is a bug.
      if (!key) throw new Error(`batch ${m.batch}: no recorded key for ${obj.group}`);
      if (onlyIfAbsent && (await persist('s3_head', () => store.exists(obj.bucket, key), { batch: m.batch }))) continue;
      await persist('s3_upload', () => store.putNdjson(obj.bucket, key, obj.ndjson), { batch: m.batch, key, records: obj.entries.length });
    }
  };

  const finish = async (m: BatchManifest, built: ReturnType<typeof buildBatch>) => {
    const closed = await persist('journal_ledger', () => ledger.close(m, countForStats(built.objects, deps.statsPeriodMs ?? 0)), { batch: m.batch });
    if (closed) {
      metrics.messages.inc({ stage: 'journal', outcome: 'exported' }, built.records);
      if (built.repeats) metrics.messages.inc({ stage: 'journal', outcome: 'repeat_dropped' }, built.repeats);
      if (built.malformed) metrics.errors.inc({ kind: 'malformed_journal_record' }, built.malformed);
    }
  };

  /** Exports entries this process read: open a batch of those it still owns, upload, close. */
  const exportNew = async (entries: Map<string, RawEntry>) => {
    for (;;) {
      if (!entries.size) return;
      const built = buildBatch(entries.values());
      const batch = `${deps.instance}-${built.range.first}-${built.range.last}`;
      const m: BatchManifest = {
        v: 1,
        batch,
        ids: built.ids,
        objects: built.objects.map((o) => ({ group: o.group, bucket: o.bucket, key: store.keyFor(o.kind === 'events' ? kind : o.kind, built.range, o.at) })),
        openedAt: now(),
      };
      const opened = await persist('journal_ledger', () => ledger.open(m), { batch });
      if (!opened.ok) {
        // Taken over by another exporter (we were too slow) or acked already: theirs now.
        logger.warn({ batch, dropped: opened.rejected.length }, 'entries no longer ours; batch rebuilt without them');
        for (const id of opened.rejected) entries.delete(id);
        continue;
      }
      for (const id of built.ids) exporting.add(id);
      try {
        await upload(m, built);
        await finish(m, built);
      } finally {
        exporting.clear();
      }
      return;
    }
  };

  /**
   * Finishes a batch another exporter (or this one before a restart) opened: same ids, same
   * keys. Returns false when the batch is not open any more (its entries are plain entries).
   */
  const replay = async (batch: string, known: Map<string, RawEntry>): Promise<boolean> => {
    const m = await ledger.load(batch);
    if (!m) return false;
    const missing = m.ids.filter((id) => !known.has(id));
    const fetched = await ledger.fetch(missing);
    const entries = m.ids.map((id) => known.get(id) ?? fetched.get(id)).filter((e): e is RawEntry => !!e);
    let incomplete = false;
    if (entries.length < m.ids.length) {
      // Closed meanwhile by its owner (and trimmed): nothing to do.
      if (!(await ledger.load(batch))) return true;
      // Entries gone while the batch is open: never overwrite an object that may be complete.
      incomplete = true;
      metrics.errors.inc({ kind: 'journal_batch_incomplete' });
      logger.error({ batch, missing: m.ids.length - entries.length }, 'open batch lost stream entries; uploading only absent objects');
    }
    const built = buildBatch(entries);
    for (const id of m.ids) exporting.add(id);
    try {
      await upload(m, built, incomplete);
      await finish(m, built);
    } finally {
      exporting.clear();
    }
    logger.info({ batch, ids: m.ids.length, records: built.records }, 'open batch of another exporter finished');
    return true;
  };

  const flushNow = async () => {
    const c = collecting;
    collecting = undefined;
    if (c) await exportNew(c.entries);
  };
  const flush = () => exclusive(flushNow);

  const add = (e: StreamEntry | RawEntry) => {
    collecting ??= { entries: new Map(), records: 0, bytes: 0, started: now() };
    if (collecting.entries.has(e.id)) return;
    collecting.entries.set(e.id, { id: e.id, data: e.data, size: e.size });
    collecting.records += countItems(e.data);
    collecting.bytes += e.size;
  };

  const handler: BatchHandler = async (entries: StreamEntry[]) => {
    await chain; // an export in progress: read nothing more until it is done
    const again = entries.filter((e) => e.deliveries > 1 && !exporting.has(e.id) && !collecting?.entries.has(e.id));
    for (const e of entries) if (e.deliveries <= 1) add(e);
    if (again.length) {
      const owners = await ledger.lookup(again.map((e) => e.id));
      const byBatch = new Map<string, Map<string, RawEntry>>();
      for (const e of again) {
        const b = owners.get(e.id);
        if (!b) {
          add(e); // read but never in a recorded batch: a dead exporter's collecting batch
          continue;
        }
        if (!byBatch.has(b)) byBatch.set(b, new Map());
        byBatch.get(b)!.set(e.id, { id: e.id, data: e.data, size: e.size });
      }
      for (const [b, known] of byBatch) {
        const open = await exclusive(() => replay(b, known));
        if (!open) for (const e of known.values()) add(e);
      }
    }
    if (collecting && (collecting.records >= deps.maxRecords || collecting.bytes >= deps.maxBytes)) await flush();
    return { ack: [] }; // acked by the ledger's close, after the upload
  };

  return {
    handler,
    /** Flushes a batch older than maxAgeMs (call on a timer). */
    tick: async () => {
      if (collecting && now() - collecting.started >= deps.maxAgeMs) await flush();
    },
    flush,
    /** Uploads what is batched (one try when S3 is away), then stops retrying. */
    async close() {
      const last = flush();
      closing = true;
      wake?.();
      await last.catch((err) => logger.warn({ err: (err as Error).message }, 'journal batch left open for the next exporter'));
    },
    get pendingRecords() {
      return collecting?.records ?? 0;
    },
  };
}
