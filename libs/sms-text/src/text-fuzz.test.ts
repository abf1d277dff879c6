import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unpackSeptets } from './gsm7-pack';
import { encodeIa5, encodeLatin1, decodeIa5 } from './latin1';
import { joinParts, readPart } from './part-reader';
import { TLV } from '@smsgw/smpp';
import { parseUdh } from './segment';
import { decodeText } from './text';
import { TextDecodeError } from './text-error';

/** Either a string or a TextDecodeError — never any other exception. */
function safely(f: () => unknown): void {
  try {
    expect(typeof f()).toBe('string');
  } catch (err) {
    if (!(err instanceof TextDecodeError)) throw err;
  }
}

describe('decoding random bytes never crashes (fuzz)', () => {
  it('decodeText for every data_coding 0x00–0xFF, packed or not, with any shift tables', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom({}, { locking: 'turkish' as const }, { single: 'spanish' as const }, { locking: 'portuguese' as const, single: 'portuguese' as const }),
        (dc, bytes, packed, fillBits, tables) => safely(() => decodeText(dc, Buffer.from(bytes), { packed, fillBits, tables })),
      ),
      { numRuns: 3000 },
    );
  });

  it('readPart + joinParts on random UDH / SAR / payload input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0, 0x40, 0x43),
        fc.uint8Array({ maxLength: 200 }),
        fc.option(fc.uint8Array({ maxLength: 3 })),
        fc.boolean(),
        (dc, esm, sm, sar, packed) =>
          safely(() => {
            const tlvs = sar ? [{ tag: TLV.sar_msg_ref_num, value: Buffer.from(sar) }, { tag: TLV.sar_total_segments, value: Buffer.from(sar.slice(0, 1)) }, { tag: TLV.sar_segment_seqnum, value: Buffer.from(sar.slice(1, 2)) }] : [];
            return joinParts([readPart({ data_coding: dc, esm_class: esm, short_message: Buffer.from(sm), tlvs }, { packed })]);
          }),
      ),
      { numRuns: 3000 },
    );
  });

  it('parseUdh and unpackSeptets on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.integer({ min: 0, max: 6 }), (b, fill) => {
        try {
          parseUdh(Buffer.from(b));
        } catch (err) {
          expect(err).toBeInstanceOf(TextDecodeError);
        }
        expect(unpackSeptets(Buffer.from(b), fill).every((s) => s <= 0x7f)).toBe(true);
      }),
    );
  });
});

describe('IA5, Latin-1 and UCS-2 details', () => {
  it('IA5 is 7-bit only; Latin-1 is U+0000–U+00FF', () => {
    expect(encodeIa5('plain')).toEqual(Buffer.from('plain'));
    expect(encodeIa5('é')).toBeNull();
    expect(() => decodeIa5(Buffer.from([0x41, 0xe9]))).toThrow(TextDecodeError);
    expect(encodeLatin1('été`')).toEqual(Buffer.from([0xe9, 0x74, 0xe9, 0x60]));
    expect(encodeLatin1('€')).toBeNull();
  });

  it('UCS-2: an unpaired surrogate is invalid, a pair decodes', () => {
    expect(decodeText(0x08, Buffer.from([0xd8, 0x3d, 0xde, 0x00]))).toBe('😀');
    expect(() => decodeText(0x08, Buffer.from([0xd8, 0x3d, 0x00, 0x41]))).toThrow(TextDecodeError);
    expect(() => decodeText(0x08, Buffer.from([0xde, 0x00]))).toThrow(TextDecodeError);
  });

  it('joins UCS-2 parts before decoding, so a pair a client split between parts survives', () => {
    const p1 = readPart({ data_coding: 8, esm_class: 0x40, short_message: Buffer.from([5, 0, 3, 1, 2, 1, 0x00, 0x41, 0xd8, 0x3d]) });
    const p2 = readPart({ data_coding: 8, esm_class: 0x40, short_message: Buffer.from([5, 0, 3, 1, 2, 2, 0xde, 0x00]) });
    expect(joinParts([p1, p2])).toBe('A😀');
  });
});
