import { expandJournalEntry, JOURNAL_EVENTS, journalKind, type JournalEntry, type JournalKind, type JournalRecord } from '@smsgw/contracts';
import { createNdjsonWriter, derivedEid, recordShape, type NdjsonWriter } from './ndjson-writer';

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
  /** The journal entries of its records, as the stages wrote them (statistics read them). */
  entries: JournalEntry[];
  /**
   * Its records, one full v1 record (see expandJournalEntry) per line: the object's content, as
   * consecutive chunks of UTF-8.
   */
  ndjson: Buffer[];
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

/** The last time a Date holds, either side of the epoch (ECMAScript's time range). */
const MAX_TIME = 8.64e15;

/**
 * A journal entry as our stages write them. A time no Date can hold would throw where the
 * record is filed by its hour, and the batch would never export: such a record is foreign too.
 */
function isEntry(x: unknown): x is JournalEntry {
  const r = x as Partial<JournalEntry> | null;
  return !!r && typeof r === 'object' && typeof r.ts === 'number' && r.ts >= -MAX_TIME && r.ts <= MAX_TIME && typeof r.ev === 'string' && EVENTS.has(r.ev);
}

/**
 * Orders stream ids (`ms-seq`) numerically; string order breaks when the lengths differ. Each
 * part is compared by length, then as text (an id without `-` has sequence `0`); no strings are
 * made, as sorting a batch compares ids many times.
 */
export function compareIds(a: string, b: string): number {
  const ad = dashOf(a);
  const bd = dashOf(b);
  if (ad !== bd) return ad - bd;
  const ms = compareText(a, 0, b, 0, ad);
  if (ms) return ms;
  // The sequences: [from, to) of the id, or the text '0' when the id has none.
  const aSeq = ad < a.length ? a : '0';
  const aFrom = ad < a.length ? ad + 1 : 0;
  const aLen = (ad < a.length ? seqEnd(a, ad) : 1) - aFrom;
  const bSeq = bd < b.length ? b : '0';
  const bFrom = bd < b.length ? bd + 1 : 0;
  const bLen = (bd < b.length ? seqEnd(b, bd) : 1) - bFrom;
  if (aLen !== bLen) return aLen - bLen;
  return compareText(aSeq, aFrom, bSeq, bFrom, aLen);
}

function dashOf(id: string): number {
  const i = id.indexOf('-');
  return i < 0 ? id.length : i;
}

/** Where the sequence after the dash at `dash` ends (at a second `-`, as split('-') would). */
function seqEnd(id: string, dash: number): number {
  const i = id.indexOf('-', dash + 1);
  return i < 0 ? id.length : i;
}

/** -1, 0 or 1: `n` UTF-16 units of `a` from `ai` against those of `b` from `bi`. */
function compareText(a: string, ai: number, b: string, bi: number, n: number): number {
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(ai + i) - b.charCodeAt(bi + i);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}

const HOUR_MS = 3_600_000;

/**
 * `YYYY-MM-DDTHH` (UTC) of a record's time, as `new Date(ts).toISOString().slice(0, 13)` gives
 * it (and throws for a time a Date cannot hold), computed once per hour: a batch's records come
 * from a few hours at most. Only times from the epoch on are cached: there, a time is in the
 * hour [lo, lo + 1 h) exactly when the whole milliseconds Date keeps of it are.
 */
function createHourOf() {
  let lo = 1;
  let hi = 0;
  let hour = '';
  return (ts: number): string => {
    if (ts >= lo && ts < hi) return hour;
    hour = new Date(ts).toISOString().slice(0, 13);
    const t = Math.trunc(ts);
    if (t >= 0) {
      lo = t - (t % HOUR_MS);
      hi = Math.min(lo + HOUR_MS, MAX_TIME + 1);
    } else {
      lo = 1;
      hi = 0;
    }
    return hour;
  };
}

/** An object being built: its records go to its writer. */
type Building = Omit<BuiltObject, 'ndjson'> & { out: NdjsonWriter };

const KIND_SLOT: Record<JournalKind, number> = { events: 0, logs: 2, audit: 4, metrics: 6 };

/**
 * The objects of a batch, as a pure function of its entries: whoever builds the batch (the
 * exporter that opened it, or one that finishes it after a crash) gets the same records in the
 * same objects, hence the same keys and bytes. Entries are taken in stream order, whatever order
 * they were read or claimed in; a record whose eid appeared earlier in the batch is a repeat of
 * an upstream redelivery and is dropped. This is the exporter's hot loop: per record it makes
 * the eid and the NDJSON line, and little else.
 */
export function buildBatch(entries: Iterable<RawEntry>): BuiltBatch {
  const sorted = [...entries].sort((a, b) => compareIds(a.id, b.id));
  const seen = new Set<string>();
  const groups = new Map<string, Building>();
  const hourOf = createHourOf();
  // The objects of the last hour seen, by kind and bucket (proxy, mcp): no key string per record.
  const slotsByHour = new Map<string, Array<Building | undefined>>();
  let slotsHour = '';
  let slots: Array<Building | undefined> = [];
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
      const shape = recordShape(item);
      // An entry with fields of its own among the derived ones: the contract's expansion.
      const rec: JournalRecord | undefined = shape ? undefined : expandJournalEntry(item);
      const eid = rec ? rec.eid : derivedEid(item);
      if (seen.has(eid)) {
        repeats++;
        continue;
      }
      seen.add(eid);
      const bucket = rec ? rec.bucket : shape!.bucket;
      const kind = journalKind(item.ev);
      const hour = hourOf(item.ts);
      if (hour !== slotsHour) {
        slotsHour = hour;
        slots = slotsByHour.get(hour) ?? [];
        slotsByHour.set(hour, slots);
      }
      const slot = bucket === 'proxy' ? KIND_SLOT[kind] : bucket === 'mcp' ? KIND_SLOT[kind] + 1 : -1;
      let b = slot >= 0 ? slots[slot] : undefined;
      if (!b) {
        const group = `${kind}|${bucket}|${hour}`;
        b = groups.get(group);
        if (!b) groups.set(group, (b = { group, kind, bucket, at: new Date(item.ts), entries: [], out: createNdjsonWriter() }));
        if (slot >= 0) slots[slot] = b;
      }
      b.entries.push(item);
      if (rec) b.out.writeRecord(rec);
      else b.out.write(item, eid, shape!);
      records++;
    }
  }
  const ids = sorted.map((e) => e.id);
  return {
    ids,
    range: { first: ids[0] ?? '0-0', last: ids[ids.length - 1] ?? '0-0' },
    objects: [...groups.values()].map(({ out, ...o }) => ({ ...o, ndjson: out.chunks() })),
    records,
    repeats,
    malformed,
  };
}

interface StatsCount {
  sys: unknown;
  smsc: unknown;
  ev: string;
  state: unknown;
  n: number;
}

/** One period's counts: by sys → smsc → event → state, and in the order they first appeared. */
interface PeriodCounts {
  tree: Map<unknown, Map<unknown, Map<unknown, Map<unknown, StatsCount>>>>;
  counts: StatsCount[];
}

/**
 * Counts of a batch per statistics period: period start (ms) → JSON `[sys, smsc, ev, state]` → n.
 * Counted first by the values themselves (maps by sys, smsc, event, state), then turned into
 * JSON once per distinct combination, in the order they first appeared.
 */
export function countForStats(objects: BuiltObject[], periodMs: number): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  if (periodMs <= 0) return out;
  const periods = new Map<number, PeriodCounts>();
  let lastPeriod = NaN;
  let cur: PeriodCounts | undefined;
  for (const o of objects) {
    if (o.kind !== 'events') continue; // statistics count message events, not log lines
    for (const r of o.entries) {
      const period = Math.floor(r.ts / periodMs) * periodMs;
      if (!cur || period !== lastPeriod) {
        lastPeriod = period;
        cur = periods.get(period);
        if (!cur) periods.set(period, (cur = { tree: new Map(), counts: [] }));
      }
      // `?? null`: an absent field and a null one are the same JSON.
      const sys = r.sys ?? null;
      const smsc = r.smsc ?? null;
      const state = r.state ?? null;
      let bySmsc = cur.tree.get(sys);
      if (!bySmsc) cur.tree.set(sys, (bySmsc = new Map()));
      let byEv = bySmsc.get(smsc);
      if (!byEv) bySmsc.set(smsc, (byEv = new Map()));
      let byState = byEv.get(r.ev);
      if (!byState) byEv.set(r.ev, (byState = new Map()));
      let c = byState.get(state);
      if (!c) {
        byState.set(state, (c = { sys, smsc, ev: r.ev, state, n: 0 }));
        cur.counts.push(c);
      }
      c.n++;
    }
  }
  for (const [period, { counts }] of periods) {
    const m = new Map<string, number>();
    out.set(period, m);
    for (const c of counts) {
      // JSON, not a separator: a system_id may hold any character. Values that are equal as JSON
      // but not as map keys (objects from a foreign producer) add up here.
      const field = JSON.stringify([c.sys, c.smsc, c.ev, c.state]);
      m.set(field, (m.get(field) ?? 0) + c.n);
    }
  }
  return out;
}
