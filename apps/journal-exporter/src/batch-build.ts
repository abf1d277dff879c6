import { expandJournalEntry, JOURNAL_EVENTS, journalKind, type JournalEntry, type JournalKind, type JournalRecord } from '@smsgw/contracts';

export type Bucket = 'proxy' | 'mcp';

/** One stream entry of the journal: a list of compact journal entries (or one). */
export interface RawEntry {
  id: string;
  data: unknown;
  size: number;
}

export interface BuiltObject {
  /** `<kind>|<bucket>|<YYYY-MM-DDTHH>`: identifies the object within its batch. */
  group: string;
  /** `events` (lifecycle), `logs` (operational records) or `audit` (admin changes): the key's first segment. */
  kind: JournalKind;
  bucket: Bucket;
  /** Event time of the first record: decides the dt=/hour= partition. */
  at: Date;
  records: JournalRecord[];
}

export interface BuiltBatch {
  /** Stream ids of the batch in stream order. */
  ids: string[];
  range: { first: string; last: string };
  objects: BuiltObject[];
  records: number;
  /** Records dropped because an earlier record of the batch had the same eid. */
  repeats: number;
  malformed: number;
}

const EVENTS = new Set<string>(JOURNAL_EVENTS);

function isEntry(x: unknown): x is JournalEntry {
  const r = x as Partial<JournalEntry> | null;
  return !!r && typeof r === 'object' && typeof r.ts === 'number' && typeof r.ev === 'string' && EVENTS.has(r.ev);
}

/** Orders stream ids (`ms-seq`) numerically; string order breaks when the lengths differ. */
export function compareIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  if (am.length !== bm.length) return am.length - bm.length;
  if (am !== bm) return am < bm ? -1 : 1;
  if (as.length !== bs.length) return as.length - bs.length;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

const hourOf = (ts: number) => new Date(ts).toISOString().slice(0, 13);

/**
 * The objects of a batch, as a pure function of its entries: whoever builds the batch (the
 * exporter that opened it, or one that finishes it after a crash) gets the same records in the
 * same objects, hence the same keys and bytes. Entries are taken in stream order, whatever order
 * they were read or claimed in; a record whose eid appeared earlier in the batch is a repeat of
 * an upstream redelivery and is dropped.
 */
export function buildBatch(entries: Iterable<RawEntry>): BuiltBatch {
  const sorted = [...entries].sort((a, b) => compareIds(a.id, b.id));
  const seen = new Set<string>();
  const groups = new Map<string, BuiltObject>();
  let records = 0;
  let repeats = 0;
  let malformed = 0;
  for (const e of sorted) {
    const list = Array.isArray(e.data) ? e.data : [e.data];
    for (const item of list) {
      // Producers build entries from the typed contract; a cheap shape check keeps foreign
      // entries out without a full parse of every record (the exporter's hot loop).
      if (!isEntry(item)) {
        malformed++;
        continue;
      }
      const rec = expandJournalEntry(item);
      if (seen.has(rec.eid)) {
        repeats++;
        continue;
      }
      seen.add(rec.eid);
      const kind = journalKind(rec.ev);
      const group = `${kind}|${rec.bucket}|${hourOf(rec.ts)}`;
      let obj = groups.get(group);
      if (!obj) groups.set(group, (obj = { group, kind, bucket: rec.bucket, at: new Date(rec.ts), records: [] }));
      obj.records.push(rec);
      records++;
    }
  }
  const ids = sorted.map((e) => e.id);
  return {
    ids,
    range: { first: ids[0] ?? '0-0', last: ids[ids.length - 1] ?? '0-0' },
    objects: [...groups.values()],
    records,
    repeats,
    malformed,
  };
}

/** Counts of a batch per statistics period: period start (ms) → JSON `[sys, smsc, ev, state]` → n. */
export function countForStats(objects: BuiltObject[], periodMs: number): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  if (periodMs <= 0) return out;
  for (const o of objects) {
    if (o.kind !== 'events') continue; // statistics count message events, not log lines
    for (const r of o.records) {
      const period = Math.floor(r.ts / periodMs) * periodMs;
      let m = out.get(period);
      if (!m) out.set(period, (m = new Map()));
      // JSON, not a separator: a system_id may hold any character.
      const field = JSON.stringify([r.sys ?? null, r.smsc ?? null, r.ev, r.state ?? null]);
      m.set(field, (m.get(field) ?? 0) + 1);
    }
  }
  return out;
}
