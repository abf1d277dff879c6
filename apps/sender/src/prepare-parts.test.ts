import { describe, expect, it } from 'vitest';
import type { OutEntry } from '@smsgw/contracts';
import { smscTextSchema } from '@smsgw/platform';
import { getTlv, TLV, tlvUint8 } from '@smsgw/smpp';
import { encodeGsm7, encodeUcs2, joinParts, readPart } from '@smsgw/sms-text';
import { prepareParts } from './prepare-parts';

function entry(sm: Buffer, dc = 0, esm = 0): OutEntry {
  return {
    v: 1, id: 'id-1', sys: 'acme',
    src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
    dst: { ton: 1, npi: 1, addr: '905320000000', norm: '905320000000' },
    dc, esm, rd: 1, pid: 0, pri: 0, sm: sm.toString('base64'), at: 0, pool: 'p', smscs: ['s'], rt: 0,
  };
}

/** What the SMSC would reassemble from the prepared submits. */
function reassemble(p: ReturnType<typeof prepareParts>, packed = false): string {
  return joinParts(
    p.parts.map((sm, i) => readPart({ esm_class: p.esmClass, data_coding: p.dataCoding, short_message: sm, tlvs: p.tlvs?.[i] }, { packed })),
  );
}

const text = (o: object) => smscTextSchema.parse(o);
const LONG = 'Price 5€ [a] {b} ~ | \\ ^ '.repeat(16).slice(0, 400);

describe('prepareParts', () => {
  it('defaults (no text options): GSM with 8-bit UDH, segments reported', () => {
    const p = prepareParts(entry(encodeGsm7(LONG)!), 0x1ff);
    expect(p).toMatchObject({ dataCoding: 0, esmClass: 0x40 });
    expect(p.parts[0]!.subarray(0, 4)).toEqual(Buffer.from([0x05, 0x00, 0x03, 0xff]));
    expect(p.segments).toBe(p.parts.length);
    expect(reassemble(p)).toBe(LONG);
  });

  it.each(['udh8', 'udh16', 'sar', 'payload'] as const)('%s: long GSM, Cyrillic and emoji texts reassemble exactly', (segmentation) => {
    for (const [t, dc, bytes] of [
      [LONG, 0, encodeGsm7(LONG)!],
      ['Привет, мир! '.repeat(16).slice(0, 200), 8, encodeUcs2('Привет, мир! '.repeat(16).slice(0, 200))],
      ['😀'.repeat(100), 8, encodeUcs2('😀'.repeat(100))],
    ] as const) {
      const p = prepareParts(entry(bytes, dc), 7, text({ segmentation }));
      expect(reassemble(p)).toBe(t);
      if (segmentation === 'payload') {
        expect(p.parts).toEqual([Buffer.alloc(0)]);
        expect(getTlv({ tlvs: p.tlvs![0] }, TLV.message_payload)).toBeDefined();
        expect(p.segments).toBeGreaterThan(1);
      }
      if (segmentation === 'sar') {
        expect(p.esmClass).toBe(0);
        expect(p.tlvs!.map((t) => tlvUint8(getTlv({ tlvs: t }, TLV.sar_segment_seqnum)))).toEqual(p.parts.map((_, i) => i + 1));
      }
    }
  });

  it('keeps a client\'s explicit UCS-2 and Latin-1 (where allowed), else re-encodes', () => {
    const tr = 'Günaydın, şimdi İstanbul yolundayım';
    expect(prepareParts(entry(encodeUcs2(tr), 8), 1, text({ shiftTables: ['turkish'] })).dataCoding).toBe(8);
    expect(prepareParts(entry(encodeUcs2('Hello'), 8), 1).dataCoding).toBe(8);
    expect(prepareParts(entry(Buffer.from('Grüße `x`', 'latin1'), 3), 1, text({ latin1: true })).dataCoding).toBe(3);
    expect(prepareParts(entry(Buffer.from('Grüße `x`', 'latin1'), 3), 1).dataCoding).toBe(8); // no Latin-1 on this SMSC
    expect(prepareParts(entry(Buffer.from('Grüße', 'latin1'), 3), 1).dataCoding).toBe(0); // GSM has ü ß
  });

  it('reencodeUcs2: Turkish UCS-2 text goes out as GSM with the Turkish single shift IE', () => {
    const tr = 'Günaydın, şimdi İstanbul yolundayım';
    const p = prepareParts(entry(encodeUcs2(tr), 8), 1, text({ shiftTables: ['turkish'], reencodeUcs2: true }));
    expect(p).toMatchObject({ dataCoding: 0, esmClass: 0x40, segments: 1 });
    expect(p.parts[0]!.subarray(0, 4)).toEqual(Buffer.from([0x03, 0x25, 0x01, 0x01]));
    expect(reassemble(p)).toBe(tr);
  });

  it('a Latin-1 text with ` goes out with the Portuguese locking table when allowed', () => {
    const p = prepareParts(entry(Buffer.from('Çok güzel `', 'latin1'), 3), 1, text({ shiftTables: ['portuguese'] }));
    expect(p).toMatchObject({ dataCoding: 0, esmClass: 0x40 });
    expect(reassemble(p)).toBe('Çok güzel `');
  });

  it('passes a client UDH, binary data and undecodable text through unchanged', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 0x41]);
    expect(prepareParts(entry(udh, 0, 0x40), 1)).toEqual({ dataCoding: 0, esmClass: 0x40, parts: [udh], segments: 1 });
    expect(prepareParts(entry(Buffer.from([1, 2, 3]), 4), 1).parts).toEqual([Buffer.from([1, 2, 3])]);
    expect(prepareParts(entry(Buffer.from([0x00, 0x41, 0x00]), 8), 1).dataCoding).toBe(8);
  });

  it('packed GSM option', () => {
    const p = prepareParts(entry(encodeGsm7(LONG)!), 3, text({ gsmPacked: true }));
    expect(Math.max(...p.parts.map((b) => b.length))).toBeLessThanOrEqual(140);
    expect(reassemble(p, true)).toBe(LONG);
  });

  it('config: shiftTables need a UDH mode', () => {
    expect(smscTextSchema.safeParse({ segmentation: 'sar', shiftTables: ['turkish'] }).success).toBe(false);
    expect(smscTextSchema.parse({})).toEqual({ segmentation: 'udh8', latin1: false, shiftTables: [], gsmPacked: false, reencodeUcs2: false });
  });
});
