import { Cluster, Redis } from 'ioredis';
import { ENTRY_FIELD } from '@smsgw/contracts';

export interface LogJournalOptions {
  /** The `redis:` section: a cluster when `cluster` is set (never then `url`), else `url`. */
  redis: { url: string; cluster?: readonly string[] };
  /** The journal stream (`<prefix>:journal`). */
  stream: string;
  app: string;
  instance: string;
  flushMs?: number;
  /** Lines kept while Redis is away; past it the oldest are dropped and counted in the next flush. */
  maxBuffer?: number;
}

/**
 * A pino destination that sends the app's warnings and errors to the journal stream as `log`
 * records (one stream entry per flush), so the exporter writes them under `logs/…` in S3 next
 * to the message journals. Best effort by design: logging never blocks or fails the app.
 */
export function createLogJournal(o: LogJournalOptions) {
  // Built here rather than by @smsgw/redis's createRedis (that library depends on this one).
  const node = { maxRetriesPerRequest: 1, connectionName: `${o.instance}-logs` };
  const redis = o.redis.cluster?.length
    ? new Cluster(o.redis.cluster.map((s) => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) })), { lazyConnect: true, enableOfflineQueue: true, redisOptions: node })
    : new Redis(o.redis.url, { ...node, lazyConnect: true, enableOfflineQueue: true });
  redis.on('error', () => undefined);
  const buffer: Record<string, unknown>[] = [];
  const max = o.maxBuffer ?? 10_000;
  let dropped = 0;
  let seq = 0;
  let flushing: Promise<void> | undefined;

  const flush = async () => {
    if (!buffer.length && !dropped) return;
    const batch = buffer.splice(0, buffer.length);
    if (dropped) {
      batch.push({ ts: Date.now(), ev: 'log', app: o.app, level: 40, msg: `${dropped} log records dropped while Redis was away`, eid: `log:${o.instance}:drop:${seq++}` });
      dropped = 0;
    }
    try {
      await redis.xadd(o.stream, '*', ENTRY_FIELD, JSON.stringify(batch));
    } catch {
      buffer.unshift(...batch.slice(0, Math.max(0, max - buffer.length)));
    }
  };
  const timer = setInterval(() => {
    flushing ??= flush().finally(() => (flushing = undefined));
  }, o.flushMs ?? 1_000);
  timer.unref();

  return {
    /** pino writes one JSON line per call. */
    write(line: string): void {
      try {
        const rec = JSON.parse(line) as Record<string, unknown> & { time?: string | number; level?: number };
        const ts = typeof rec.time === 'number' ? rec.time : Date.parse(String(rec.time ?? '')) || Date.now();
        const { time: _t, pid: _p, hostname: _h, name: _n, ...fields } = rec;
        if (buffer.length >= max) {
          buffer.shift();
          dropped++;
        }
        // A deterministic event id per line of this process: repeats of one line are one record.
        buffer.push({ ...fields, ts, ev: 'log', app: o.app, eid: `log:${o.instance}:${ts}:${seq++}` });
      } catch {
        // not JSON: nothing to journal
      }
    },
    /**
     * Any other journal entry of this process (metrics snapshots), sent with the next flush:
     * best effort like the log lines, dropped oldest-first past maxBuffer while Redis is away.
     */
    record(entry: Record<string, unknown>): void {
      if (buffer.length >= max) {
        buffer.shift();
        dropped++;
      }
      buffer.push(entry);
    },
    async close(): Promise<void> {
      clearInterval(timer);
      await flushing;
      await flush();
      redis.disconnect();
    },
  };
}
