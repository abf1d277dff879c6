import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUdh, splitText } from './segment';
import { decodeText } from './text';
import { TextDecodeError } from './text-error';

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT = '^{}\\[~]|€\f';

function join(text: string, ref = 7): string {
  const r = splitText(text, { ref });
  return r.parts.map((p) => decodeText(r.dataCoding, r.udh ? parseUdh(p).body : p)).join('');
}

/** Octets on the air interface: GSM septets are packed 7 bits each, the UDH counts in full. */
function airOctets(part: Buffer, dataCoding: number, udh: boolean): number {
  const u = udh ? parseUdh(part) : { udh: Buffer.alloc(0), body: part };
  if (dataCoding === 8) return u.udh.length + u.body.length;
  // With a UDH the septets start at a septet boundary after fill bits (TS 23.040 §9.2.3.24).
  const udhSeptets = Math.ceil((u.udh.length * 8) / 7);
  return Math.ceil(((udhSeptets + u.body.length) * 7) / 8);
}

describe('splitText', () => {
  it('keeps 160 GSM septets in one part and splits 161 into 153 + 8', () => {
    expect(splitText('a'.repeat(160), { ref: 1 })).toEqual({ dataCoding: 0, parts: [Buffer.alloc(160, 0x61)], udh: false });
    const r = splitText('a'.repeat(161), { ref: 0x2a });
    expect(r.udh).toBe(true);
    expect(r.parts.map((p) => p.length)).toEqual([6 + 153, 6 + 8]);
    expect(r.parts[0]!.subarray(0, 6)).toEqual(Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x01]));
    expect(r.parts[1]!.subarray(0, 6)).toEqual(Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x02]));
  });

  it('counts extension characters as two septets', () => {
    expect(splitText('€'.repeat(80), { ref: 1 }).parts).toHaveLength(1);
    expect(splitText('€'.repeat(81), { ref: 1 }).parts).toHaveLength(2);
  });

  it('never splits an escape pair', () => {
    // 152 plain septets, then € would straddle the 153 boundary.
    const r = splitText('a'.repeat(152) + '€' + 'b'.repeat(10), { ref: 1 });
    expect(r.parts[0]!.length).toBe(6 + 152);
    expect(r.parts[1]!.subarray(6, 8)).toEqual(Buffer.from([0x1b, 0x65]));
  });

  it('uses UCS-2 for non-GSM text: 70 units single, 67 per part', () => {
    expect(splitText('я'.repeat(70), { ref: 1 })).toMatchObject({ dataCoding: 8, udh: false });
    const r = splitText('я'.repeat(71), { ref: 1 });
    expect(r.parts.map((p) => p.length)).toEqual([6 + 134, 6 + 8]);
  });

  it('never splits a surrogate pair', () => {
    const r = splitText('я'.repeat(66) + '😀' + 'я', { ref: 1 });
    expect(r.parts[0]!.length).toBe(6 + 132);
    expect(join('я'.repeat(66) + '😀' + 'я')).toBe('я'.repeat(66) + '😀' + 'я');
  });

  const gsmChar = fc.constantFrom(...Array.from(GSM_BASIC));
  const extChar = fc.constantFrom(...Array.from(GSM_BASIC + GSM_EXT));
  const cases = [
    ['GSM-only strings', fc.string({ unit: gsmChar, maxLength: 800 })],
    ['strings with extension characters', fc.string({ unit: extChar, maxLength: 800 })],
    ['arbitrary unicode incl. emoji', fc.string({ unit: 'binary', maxLength: 400 })],
    ['GSM text with one emoji', fc.tuple(fc.string({ unit: gsmChar, maxLength: 300 }), fc.constantFrom('😀', '👍🏽', '中')).map(([a, b]) => a + b + a)],
  ] as const;

  it.each(cases)('split → strip UDH → decode → join gives the original: %s', (_name, arb) => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 255 }), (text, ref) => {
        const r = splitText(text, { ref });
        expect(join(text, ref)).toBe(text);
        for (const p of r.parts) expect(airOctets(p, r.dataCoding, r.udh)).toBeLessThanOrEqual(140);
        if (r.udh) {
          r.parts.forEach((p, i) => expect(parseUdh(p)).toMatchObject({ ref, total: r.parts.length, seq: i + 1 }));
        }
      }),
    );
  });
});

describe('parseUdh', () => {
  it('reads the 16-bit reference IE (IEI 0x08) after another IE', () => {
    const sm = Buffer.from([0x09, 0x24, 0x01, 0x02, 0x08, 0x04, 0x12, 0x34, 0x03, 0x02, 0x41]);
    expect(parseUdh(sm)).toMatchObject({ ref: 0x1234, total: 3, seq: 2, body: Buffer.from('A') });
  });

  it('returns no concatenation info for a UDH without it', () => {
    const p = parseUdh(Buffer.from([0x03, 0x24, 0x01, 0x02, 0x41]));
    expect(p.ref).toBeUndefined();
    expect(p.body).toEqual(Buffer.from('A'));
  });

  it.each([
    ['empty', []],
    ['UDHL beyond message', [0x05, 0x00, 0x03]],
    ['IE overruns UDH', [0x03, 0x00, 0x03, 0x01, 0x41]],
    ['concat IE with wrong length', [0x04, 0x00, 0x02, 0x01, 0x02]],
    ['seq above total', [0x05, 0x00, 0x03, 0x01, 0x02, 0x03]],
    ['seq zero', [0x05, 0x00, 0x03, 0x01, 0x02, 0x00]],
  ])('rejects %s', (_n, bytes) => {
    expect(() => parseUdh(Buffer.from(bytes))).toThrow(TextDecodeError);
  });
});
