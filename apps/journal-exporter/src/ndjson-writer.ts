import { expandJournalEntry, JOURNAL_EVENTS, journalEventId, type JournalEntry, type JournalRecord } from '@smsgw/contracts';

/** How the record of an entry without its own v, eid, bucket or app begins, per event. */
export interface RecordShape {
  bucket: JournalRecord['bucket'];
  /** `,"bucket":…,"app":…`: what comes between the eid and the entry's own fields. */
  middle: string;
}

/** An object's records as NDJSON bytes, one line at a time. */
export interface NdjsonWriter {
  /**
   * Appends the line of the entry's full v1 record — JSON.stringify(expandJournalEntry(e)) and
   * `\n` — for an entry with a shape (see recordShape) and its derived eid.
   */
  write(e: JournalEntry, eid: string, shape: RecordShape): void;
  /** Appends the line of a record. */
  writeRecord(rec: JournalRecord): void;
  /** The bytes written so far, as consecutive chunks (not joined: see gzipChunks in @smsgw/s3). */
  chunks(): Buffer[];
}

const HEAD = '{"v":1,"eid":';
const OPEN_BRACE = 0x7b;
const QUOTE = 0x22;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
/** UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_UNIT = 3;

/**
 * With a shape, a line is written from the entry's own JSON without building the record: the
 * record is v, eid, bucket, app, then the entry's fields in their order, so its JSON is that head,
 * then the entry's JSON after its `{` (written in place, its `{` becoming the head's `,`). An
 * entry whose first key is an array index (such keys come before any other in every object)
 * takes the record itself. Lines go straight into 64 KiB chunks, never joined: no string per
 * object, the strings of a line die young, and no buffer is grown or copied (fresh memory is what
 * costs at 100,000 records a batch).
 */
export function createNdjsonWriter(chunkBytes = 64 * 1024): NdjsonWriter {
  const full: Buffer[] = [];
  let buf = Buffer.allocUnsafe(chunkBytes);
  let at = 0;
  const room = (units: number) => {
    const need = units * MAX_BYTES_PER_UNIT;
    if (at + need <= buf.length) return;
    if (at) full.push(buf.subarray(0, at));
    buf = Buffer.allocUnsafe(Math.max(chunkBytes, need));
    at = 0;
  };
  const whole = (json: string) => {
    room(json.length + 1);
    at += buf.write(json, at);
    buf[at++] = NEWLINE;
  };
  return {
    write(e, eid, shape) {
      const own = JSON.stringify(e);
      const first = own.charCodeAt(2); // the first key's first character
      if (own.charCodeAt(0) !== OPEN_BRACE || own.charCodeAt(1) !== QUOTE || (first >= 48 && first <= 57)) {
        whole(JSON.stringify(expandJournalEntry(e)));
        return;
      }
      const quoted = JSON.stringify(eid);
      room(HEAD.length + quoted.length + shape.middle.length + own.length + 1);
      at += buf.write(HEAD + quoted + shape.middle, at);
      const ownAt = at;
      at += buf.write(own, at);
      buf[ownAt] = COMMA;
      buf[at++] = NEWLINE;
    },
    writeRecord: (rec) => whole(JSON.stringify(rec)),
    chunks: () => [...full, buf.subarray(0, at)],
  };
}

/** The eid expandJournalEntry gives an entry without its own. */
export const derivedEid = (e: JournalEntry) => journalEventId(e.id ?? '-', e.ev, e.part ?? 0);

const SHAPES = new Map<string, RecordShape>();
for (const ev of JOURNAL_EVENTS) {
  const probe = expandJournalEntry({ ts: 0, ev });
  const shape = { bucket: probe.bucket, middle: `,"bucket":${JSON.stringify(probe.bucket)},"app":${JSON.stringify(probe.app)}` };
  // The shortcut holds only while the contract expands entries that way: checked here against
  // its own expansion (an entry with every kind of field), so a change there turns it off.
  const sample: JournalEntry = { ts: 1.5, ev, id: 'u"1', part: 2, sys: 's', state: 'S', text: 'é\n' };
  const w = createNdjsonWriter(16);
  w.write(sample, derivedEid(sample), shape);
  if (derivedEid(sample) === expandJournalEntry(sample).eid && Buffer.concat(w.chunks()).equals(Buffer.from(`${JSON.stringify(expandJournalEntry(sample))}\n`))) {
    SHAPES.set(ev, shape);
  }
}

/**
 * The shape of the entry's record when its JSON can be written without building it: the
 * entry sets none of the fields the exporter derives (producers may set eid, bucket and app; an
 * entry's v would replace the record's) — otherwise undefined. The entries are decoded JSON:
 * plain objects with their own fields only.
 */
export function recordShape(e: JournalEntry): RecordShape | undefined {
  if ('eid' in e || 'bucket' in e || 'app' in e || 'v' in e) return undefined;
  return SHAPES.get(e.ev);
}
