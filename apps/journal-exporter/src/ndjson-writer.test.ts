import { describe, expect, it } from 'vitest';
import { expandJournalEntry, JOURNAL_EVENTS, type JournalEntry } from '@smsgw/contracts';
import { createNdjsonWriter, derivedEid, recordShape } from './ndjson-writer';

/** What the exporter wrote before it had the shortcut: the contract's record, as JSON. */
const expected = (e: JournalEntry) => `${JSON.stringify(expandJournalEntry(e))}\n`;
const line = (e: JournalEntry, initialBytes?: number) => {
  const w = createNdjsonWriter(initialBytes);
  const shape = recordShape(e);
  if (shape) w.write(e, derivedEid(e), shape);
  else w.writeRecord(expandJournalEntry(e));
  return Buffer.concat(w.chunks()).toString('utf8');
};

describe('the NDJSON writer', () => {
  it('takes the shortcut for every event an entry may carry (a contract change would turn it off)', () => {
    for (const ev of JOURNAL_EVENTS) expect(recordShape({ ts: 1, ev }), ev).toBeDefined();
  });

  it('writes the record the contract expands, byte for byte, for every event', () => {
    for (const ev of JOURNAL_EVENTS) {
      const entries: JournalEntry[] = [
        { ts: 1_709_279_999_998, ev },
        { ts: 0.25, ev, id: 'b2f0c1d4-0000-4000-8000-000000000001', sys: 'acme', smsc: 'sim', part: 3, seg: 4, state: 'DELIVERED', latencyMs: 1.5 },
        { ev, ts: 5, id: 'q"u\\o\u0001te\u2028', text: 'caf\u00e9 \ud83d\ude00 \ud800 "x"\n', dst: '447700900001' },
        { ts: 5, ev, before: { a: [1, null, { '0': 'x' }] }, after: 'y', metrics: [] },
      ];
      for (const e of entries) expect(line(e), `${ev} ${JSON.stringify(e)}`).toBe(expected(e));
    }
  });

  it('takes the record for entries with their own derived fields, or with index keys (written first)', () => {
    const own: JournalEntry[] = [
      { ts: 1, ev: 'log', app: 'policy-worker', eid: 'log:1', level: 40, msg: 'm' },
      { ts: 1, ev: 'accepted', id: 'a', bucket: 'mcp' },
      { ts: 1, ev: 'accepted', id: 'a', app: 'ingress' },
      { ts: 1, ev: 'accepted', id: 'a', v: 2 } as JournalEntry,
    ];
    for (const e of own) {
      expect(recordShape(e)).toBeUndefined();
      expect(line(e)).toBe(expected(e));
    }
    const indexed = JSON.parse('{"ts":1,"ev":"routed","id":"a","12":"x","3":"y"}') as JournalEntry;
    expect(recordShape(indexed)).toBeDefined();
    expect(line(indexed)).toBe(expected(indexed));
    expect(line(indexed).startsWith('{"3":"y","12":"x","v":1,')).toBe(true);
  });

  it('writes a record with no fields of the entry as the contract does', () => {
    // Not decoded JSON: ts and ev inherited, so the record has none of the entry's fields.
    const e = Object.create({ ts: 1, ev: 'routed' }) as JournalEntry;
    expect(line(e)).toBe(expected(e));
    expect(line(e)).toBe('{"v":1,"eid":"-:routed:0:0","bucket":"mcp","app":"policy-worker"}\n');
  });

  it('keeps a `__proto__` field of decoded JSON as a field', () => {
    const e = JSON.parse('{"ts":1,"ev":"routed","id":"a","__proto__":{"x":1}}') as JournalEntry;
    expect(line(e)).toBe(expected(e));
    expect(line(e)).toContain('"__proto__":{"x":1}');
  });

  it('fills chunk after chunk without losing or splitting a byte', () => {
    const entries: JournalEntry[] = Array.from({ length: 500 }, (_, i) => ({ ts: i, ev: 'accepted', id: `m${i}`, text: '\ud83d\ude00é'.repeat(i % 7) }));
    entries.push({ ts: 1, ev: 'accepted', id: 'big', text: '\u20ac'.repeat(50_000) });
    const w = createNdjsonWriter(16);
    for (const e of entries) w.write(e, derivedEid(e), recordShape(e)!);
    expect(w.chunks().length).toBeGreaterThan(100);
    expect(Buffer.concat(w.chunks()).equals(Buffer.from(entries.map(expected).join('')))).toBe(true);
  });
});
