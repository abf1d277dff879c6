import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NationalLanguage } from './gsm7-shift-tables';
import { joinParts, readPart } from './part-reader';
import { TLV, getTlv, tlvUint16, tlvUint8 } from '@smsgw/smpp';
import { capacity, segmentText, type SegmentationMode, type SegmentOptions } from './segmenter';

const hex = (b: Buffer) => b.toString('hex');

describe('capacities (TS 23.040 §9.2.3.24, SMPP.md)', () => {
  it.each([
    ['gsm7', 0, 160], ['gsm7', 6, 153], ['gsm7', 7, 152], ['gsm7', 4, 155], ['gsm7', 9, 149], ['gsm7', 10, 148], ['gsm7', 12, 146],
    ['latin1', 0, 140], ['latin1', 6, 134], ['latin1', 7, 133],
    ['ucs2', 0, 140], ['ucs2', 6, 134], ['ucs2', 7, 132],
  ] as const)('%s after a %d-octet UDH: %d units of body', (kind, udh, cap) => {
    expect(capacity(kind, udh)).toBe(cap);
  });
});

describe('segmentText golden parts', () => {
  const a161 = 'a'.repeat(161);

  it('udh8: 160 septets in one part, 161 → 153 + 8 behind 05 00 03 ref 02 seq', () => {
    expect(segmentText('a'.repeat(160), { ref: 1 })).toMatchObject({ dataCoding: 0, esmClass: 0, segments: 1 });
    const r = segmentText(a161, { ref: 0x12a });
    expect(r).toMatchObject({ dataCoding: 0, esmClass: 0x40, segments: 2, encoding: 'gsm7' });
    expect(r.parts.map((p) => p.sm.length)).toEqual([6 + 153, 6 + 8]);
    expect(hex(r.parts[0]!.sm.subarray(0, 6))).toBe('0500032a0201'); // ref: low 8 bits
    expect(hex(r.parts[1]!.sm.subarray(0, 6))).toBe('0500032a0202');
  });

  it('udh16: 152 septets per part behind 06 08 04 refHi refLo total seq', () => {
    const r = segmentText(a161, { ref: 0x1234, mode: 'udh16' });
    expect(r.parts.map((p) => p.sm.length)).toEqual([7 + 152, 7 + 9]);
    expect(hex(r.parts[0]!.sm.subarray(0, 7))).toBe('06080412340201');
    expect(segmentText('я'.repeat(71), { ref: 1, mode: 'udh16' }).parts.map((p) => p.sm.length)).toEqual([7 + 132, 7 + 10]);
  });

  it('sar: no UDH, esm_class 0, sar_msg_ref_num (16-bit) / total / seqnum TLVs, 153 septets per part', () => {
    const r = segmentText(a161, { ref: 0x1234, mode: 'sar' });
    expect(r.esmClass).toBe(0);
    expect(r.parts.map((p) => p.sm.length)).toEqual([153, 8]);
    r.parts.forEach((p, i) => {
      expect(tlvUint16(getTlv(p, TLV.sar_msg_ref_num))).toBe(0x1234);
      expect(tlvUint8(getTlv(p, TLV.sar_total_segments))).toBe(2);
      expect(tlvUint8(getTlv(p, TLV.sar_segment_seqnum))).toBe(i + 1);
    });
  });

  it('payload: one submit, empty short_message, the whole text in message_payload; segments the SMSC will make', () => {
    const text = 'x'.repeat(1000);
    const r = segmentText(text, { ref: 1, mode: 'payload' });
    expect(r.parts).toHaveLength(1);
    expect(r.parts[0]!.sm.length).toBe(0);
    expect(getTlv(r.parts[0]!, TLV.message_payload)!.length).toBe(1000);
    expect(r.segments).toBe(Math.ceil(1000 / 153));
    // A text that fits one message goes in short_message as usual.
    expect(segmentText('short', { ref: 1, mode: 'payload' }).parts[0]).toEqual({ sm: Buffer.from('short'), tlvs: [] });
  });

  it('Turkish single shift alone: UDH 03 25 01 01, 155 septets fit one message', () => {
    const r = segmentText('ış', { ref: 1, shiftTables: ['turkish'] });
    expect(r).toMatchObject({ dataCoding: 0, esmClass: 0x40, segments: 1, tables: { single: 'turkish' } });
    expect(hex(r.parts[0]!.sm)).toBe('032501011b691b73');
    expect(segmentText('ş' + 'a'.repeat(153), { ref: 1, shiftTables: ['turkish'] }).segments).toBe(1); // 155 septets
    // 156 septets with the single shift; the locking table makes ş one septet: 155 fit.
    expect(segmentText('ş' + 'a'.repeat(154), { ref: 1, shiftTables: ['turkish'] })).toMatchObject({ segments: 1, tables: { locking: 'turkish' } });
    expect(segmentText('ş' + 'a'.repeat(155), { ref: 1, shiftTables: ['turkish'] }).segments).toBe(2);
  });

  it('picks the locking table when it saves segments, and puts both IEs after the concatenation IE', () => {
    // 200 × ş: single shift = 400 septets (3 parts of 149); locking = 200 septets (2 parts of 149).
    const r = segmentText('ş'.repeat(200), { ref: 7, shiftTables: ['turkish'] });
    expect(r.tables).toEqual({ locking: 'turkish' });
    expect(hex(r.parts[0]!.sm.subarray(0, 9))).toBe('080003070201240101');
    expect(r.parts[0]!.sm.length).toBe(9 + 149);
    // Both tables (12-octet UDH, 146 septets per part) when the text also needs a single-shift-only character.
    // Portuguese: ã is in the locking table, Φ only in the single shift table.
    const both = segmentText('ã'.repeat(200) + 'Φ', { ref: 7, shiftTables: ['turkish', 'portuguese'], mode: 'udh8' });
    expect(both.tables).toEqual({ locking: 'portuguese', single: 'portuguese' });
    expect(hex(both.parts[0]!.sm.subarray(0, 12))).toBe('0b0003070201240103250103');
    expect(both.parts[0]!.sm.length).toBe(12 + 146);
  });

  it('shift tables are never used in sar or payload mode (they need a UDH)', () => {
    expect(segmentText('ış', { ref: 1, shiftTables: ['turkish'], mode: 'sar' })).toMatchObject({ dataCoding: 8, esmClass: 0 });
    expect(segmentText('ış', { ref: 1, shiftTables: ['turkish'], latin1: true, mode: 'payload' }).dataCoding).toBe(8);
  });

  it('Latin-1 when allowed and the text is not GSM; a client\'s explicit UCS-2 is kept', () => {
    expect(segmentText('a`b', { ref: 1, latin1: true })).toMatchObject({ dataCoding: 3, parts: [{ sm: Buffer.from('a`b', 'latin1') }] });
    expect(segmentText('a`b', { ref: 1 }).dataCoding).toBe(8);
    expect(segmentText('Hello', { ref: 1, clientDataCoding: 8 }).dataCoding).toBe(8);
    expect(segmentText('Hello', { ref: 1, clientDataCoding: 3, latin1: true }).dataCoding).toBe(3);
    expect(segmentText('Hello', { ref: 1, clientDataCoding: 3 }).dataCoding).toBe(0);
    expect(segmentText('é'.repeat(140) + '`', { ref: 1, latin1: true }).parts.map((p) => p.sm.length)).toEqual([6 + 134, 6 + 7]);
  });

  it('packed GSM: 153 septets + 6-octet UDH + 1 fill bit = 140 octets', () => {
    const r = segmentText(a161, { ref: 1, packed: true });
    // 8 septets after 1 fill bit = 57 bits: the 7 spare bits carry CR padding.
    expect(r.parts.map((p) => p.sm.length)).toEqual([140, 6 + 8]);
    expect(joinParts(r.parts.map((p) => readPart({ esm_class: r.esmClass, data_coding: 0, short_message: p.sm }, { packed: true })))).toBe(a161);
  });

  it('never splits an escape pair or a surrogate pair', () => {
    const e = segmentText('a'.repeat(152) + '€' + 'b'.repeat(10), { ref: 1 });
    expect(e.parts[0]!.sm.length).toBe(6 + 152);
    const s = segmentText('я'.repeat(66) + '😀' + 'я'.repeat(5), { ref: 1, mode: 'sar' });
    expect(s.parts[0]!.sm.length).toBe(132);
  });

  it('refuses more than 255 parts', () => {
    expect(() => segmentText('a'.repeat(153 * 255 + 1), { ref: 1 })).toThrow(RangeError);
  });
});

/** Reassemble what segmentText made, the way an SMSC or handset would. */
function roundTrip(text: string, opts: SegmentOptions): { back: string; ok: boolean } {
  const r = segmentText(text, opts);
  const read = r.parts.map((p) => readPart({ esm_class: r.esmClass, data_coding: r.dataCoding, short_message: p.sm, tlvs: p.tlvs }, { packed: opts.packed }));
  let ok = true;
  const udhMode = opts.mode === 'udh8' || opts.mode === 'udh16' || !opts.mode;
  r.parts.forEach((p, i) => {
    const body = read[i]!.body;
    if (r.parts.length > 1 && opts.mode !== 'payload') ok &&= read[i]!.concat?.seq === i + 1 && read[i]!.concat?.total === r.parts.length;
    if (opts.mode === 'payload') return;
    // Octets on the air: the UDH in full, septets packed after fill bits.
    const udh = udhMode ? p.sm.length - (opts.packed && r.encoding === 'gsm7' ? Math.ceil(((body.length) * 7) / 8) : body.length) : 0;
    const air = r.encoding === 'gsm7' ? Math.ceil((Math.ceil((udh * 8) / 7) + body.length) * 7 / 8) : udh + body.length;
    const sarUdh = udhMode || r.parts.length === 1 ? 0 : 6;
    ok &&= air + sarUdh <= 140;
  });
  return { back: joinParts(read), ok };
}

describe('segmentText round trip (property)', () => {
  const gsm = '@£$¥èéùìòÇ\nØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCXYZÄÖÑÜ§¿abcxyzäöñüà^{}\\[~]|€';
  const national = 'ıİşŞğĞçáíóúÁÍÓÚãõâêôÃÕÂÊÔ`ª∞º';
  const unit = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...gsm) },
    { weight: 3, arbitrary: fc.constantFrom(...national) },
    { weight: 1, arbitrary: fc.constantFrom('П', 'ж', '😀', '👍🏽', '中', 'ÿ') },
  );
  const modes: SegmentationMode[] = ['udh8', 'udh16', 'sar', 'payload'];
  const langs: NationalLanguage[] = ['turkish', 'spanish', 'portuguese'];

  it.each(modes)('%s: the parts decode back to the text and fit 140 octets each', (mode) => {
    fc.assert(
      fc.property(
        fc.string({ unit, maxLength: 700 }),
        fc.subarray(langs),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 0xffff }),
        (text, shiftTables, latin1, packed, ref) => {
          // A text ending in CR exactly on an octet boundary gains a CR when packed (TS 23.038 §6.1.2.3.1).
          const t = packed ? text.replace(/\r+$/, '') : text;
          const { back, ok } = roundTrip(t, { mode, ref, shiftTables, latin1, packed });
          expect(back).toBe(t);
          expect(ok).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
