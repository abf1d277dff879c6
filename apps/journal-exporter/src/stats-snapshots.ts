import type { Logger } from '@smsgw/platform';
import { statsObjectKey } from '@smsgw/s3';
import type { BatchLedger } from './batch-ledger';

export interface StatsRow {
  sys: string | null;
  smsc: string | null;
  ev: string;
  state: string | null;
  n: number;
}

/** Statistics snapshot, schema v1: what `proxy/stats/…` objects hold. */
export interface StatsSnapshot {
  v: 1;
  from: string;
  to: string;
  minutes: number;
  /** Journal records of the period (by event time) exported so far. */
  records: number;
  /** Counts per client, SMSC, event and state, sorted: the full detail. */
  counts: StatsRow[];
  /** Final states per client and per SMSC (the usual report), from `final` records. */
  finalByClient: Record<string, Record<string, number>>;
  finalBySmsc: Record<string, Record<string, number>>;
}

export function buildSnapshot(from: number, minutes: number, total: number, counts: Map<string, number>): StatsSnapshot {
  const rows: StatsRow[] = [...counts].map(([f, n]) => {
    const [sys, smsc, ev, state] = JSON.parse(f) as [string | null, string | null, string, string | null];
    return { sys, smsc, ev, state, n };
  });
  const key = (r: StatsRow) => `${r.sys}\u0000${r.smsc}\u0000${r.ev}\u0000${r.state}`;
  rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const finalByClient: Record<string, Record<string, number>> = {};
  const finalBySmsc: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    if (r.ev !== 'final') continue;
    const state = r.state ?? 'UNKNOWN';
    const c = (finalByClient[r.sys ?? '-'] ??= {});
    c[state] = (c[state] ?? 0) + r.n;
    const s = (finalBySmsc[r.smsc ?? '-'] ??= {});
    s[state] = (s[state] ?? 0) + r.n;
  }
  return {
    v: 1,
    from: new Date(from).toISOString(),
    to: new Date(from + minutes * 60_000).toISOString(),
    minutes,
    records: total,
    counts: rows,
    finalByClient,
    finalBySmsc,
  };
}

export interface StatsSnapshotsDeps {
  ledger: Pick<BatchLedger, 'duePeriods' | 'readStats' | 'markSnapshot'>;
  putJson: (key: string, value: unknown) => Promise<unknown>;
  minutes: number;
  /** Records of a period may still arrive this long after it ended. */
  graceMs: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Writes one snapshot per period once the period (plus a grace for late records) is over. The
 * counts are added by the same Redis script that acks a batch, so they count every exported
 * record once, whichever exporter exported it; the object is named by the period only, so any
 * exporter may write it. Records that arrive after the snapshot put the period back on the
 * list and the snapshot is written again, complete.
 */
export function createStatsSnapshots(deps: StatsSnapshotsDeps) {
  const now = deps.now ?? Date.now;
  const periodMs = deps.minutes * 60_000;
  let running: Promise<number> | undefined;

  const once = async (): Promise<number> => {
    let written = 0;
    for (const from of await deps.ledger.duePeriods(now() - periodMs - deps.graceMs + 1)) {
      const { total, counts } = await deps.ledger.readStats(from);
      const doc = buildSnapshot(from, deps.minutes, total, counts);
      await deps.putJson(statsObjectKey(new Date(from), deps.minutes), doc);
      await deps.ledger.markSnapshot(from, total);
      written++;
    }
    return written;
  };

  return {
    /** Writes the due snapshots; S3 or Redis away: logged, tried again at the next tick. */
    tick(): Promise<number> {
      running ??= once()
        .catch((err) => {
          deps.logger.warn({ err: (err as Error).message }, 'statistics snapshot failed; retrying later');
          return 0;
        })
        .finally(() => (running = undefined));
      return running;
    },
  };
}
