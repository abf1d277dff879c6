import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseEncoding, type TextEncoding } from './encoding-choice';
import { packSeptets } from './gsm7-pack';
import type { NationalLanguage } from './gsm7-shift-tables';
import { capacity, segmentCount, segmentEncoded, segmentText, type Segmented, type SegmentationMode, type SegmentOptions } from './segmenter';

/**
 * A text that fits one part and needs no shift table skips the UDH and cutting machinery. This is
 * what that machinery made of such a text (an empty UDH concatenated with the body), and the
 * property that the short way gives the same result, field order included, for any text and
 * options; texts it does not cover take the general path, as before.
 */
function reference(text: string, opts: SegmentOptions): Segmented | null {
  const mode = opts.mode ?? 'udh8';
  const policy = { ...opts, shiftTables: mode === 'udh8' || mode === 'udh16' ? opts.shiftTables : [] };
  const enc = chooseEncoding(text, policy, (c) => segmentCount({ kind: 'gsm7', dataCoding: 0, ...c }, mode));
  return referenceEncoded(enc, opts);
}

function referenceEncoded(enc: TextEncoding, opts: SegmentOptions): Segmented | null {
  const tables = enc.kind === 'gsm7' ? enc.tables : {};
  if (tables.locking || tables.single || enc.bytes.length > capacity(enc.kind, 0)) return null;
  const body = enc.kind === 'gsm7' && opts.packed ? packSeptets(enc.bytes, 0) : enc.bytes;
  const base = { dataCoding: enc.dataCoding, encoding: enc.kind, tables };
  return { ...base, esmClass: 0, parts: [{ sm: Buffer.concat([Buffer.alloc(0), body]), tlvs: [] }], segments: 1 };
}

const options = fc.record({
  ref: fc.integer({ min: 0, max: 0xffff }),
  mode: fc.constantFrom<SegmentationMode | undefined>(undefined, 'udh8', 'udh16', 'sar', 'payload'),
  packed: fc.boolean(),
  latin1: fc.boolean(),
  shiftTables: fc.constantFrom<NationalLanguage[]>([], ['turkish'], ['spanish', 'portuguese']),
  clientDataCoding: fc.constantFrom(undefined, 0, 3, 8),
});

/** Around the one-part limits (160 septets, 140 Latin-1 octets, 70 UCS-2 units), any alphabet. */
const text = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '@', '$', '€', '[', 'é', 'ş', 'ç', 'Ğ', 'ñ', 'я', '😀', '\n'), maxLength: 180 }),
  fc.integer({ min: 60, max: 165 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 60, max: 75 }).map((n) => 'я'.repeat(n)),
);

describe('single-part fast path (property)', () => {
  it('segmentText gives what the general path gave, for any text and options', () => {
    fc.assert(
      fc.property(text, options, (t, o) => {
        const want = reference(t, o);
        fc.pre(want !== null);
        const got = segmentText(t, o);
        expect(got).toEqual(want);
        expect(Object.keys(got)).toEqual(Object.keys(want!));
      }),
      { numRuns: 3000 },
    );
  });

  it('segmentEncoded too, and its part is a copy: the caller keeps its own octets', () => {
    fc.assert(
      fc.property(text, options, (t, o) => {
        const enc = chooseEncoding(t, o, () => 1);
        const want = referenceEncoded(enc, o);
        fc.pre(want !== null);
        const got = segmentEncoded(enc, o);
        expect(got).toEqual(want);
        expect(got.parts[0]!.sm.buffer === enc.bytes.buffer && got.parts[0]!.sm.byteOffset === enc.bytes.byteOffset && enc.bytes.length > 0).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('the one-part limits themselves', () => {
    expect(segmentText('x'.repeat(160), { ref: 1 }).parts).toHaveLength(1);
    expect(segmentText('x'.repeat(161), { ref: 1 }).parts).toHaveLength(2);
    expect(segmentText('я'.repeat(70), { ref: 1 }).parts).toHaveLength(1);
    expect(segmentText('я'.repeat(71), { ref: 1 }).parts).toHaveLength(2);
    expect(segmentText('é'.repeat(140), { ref: 1, latin1: true }).parts).toHaveLength(1);
    // A shift table needs a UDH even for one part: the general path, with UDHI.
    expect(segmentText('ş', { ref: 1, shiftTables: ['turkish'] })).toMatchObject({ esmClass: 0x40, segments: 1 });
  });
});
