import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeGsm7 } from './gsm7';
import { packSeptets, unpackSeptets } from './gsm7-pack';

describe('packed septets (TS 23.038 §6.1.2.1.1)', () => {
  it('golden: "hellohello" packs to E8 32 9B FD 46 97 D9 EC 37', () => {
    const packed = packSeptets(encodeGsm7('hellohello')!);
    expect(packed.toString('hex')).toBe('e8329bfd4697d9ec37');
    expect(unpackSeptets(packed)).toEqual(encodeGsm7('hellohello'));
  });

  it('fills 7 spare bits with CR so no "@" appears (§6.1.2.3.1)', () => {
    // 7 septets = 49 bits: the 8th septet slot of the 7th octet is CR (0x0D << 1 = 0x1A).
    const packed = packSeptets(encodeGsm7('1234567')!);
    expect(packed.length).toBe(7);
    expect(packed[6]! >> 1).toBe(0x0d);
    expect(unpackSeptets(packed)).toEqual(encodeGsm7('1234567'));
  });

  it('starts after fill bits: one fill bit after a 6-octet UDH', () => {
    // "A" (0x41) shifted left by one fill bit.
    expect(packSeptets(Buffer.from([0x41]), 1)).toEqual(Buffer.from([0x82]));
    expect(unpackSeptets(Buffer.from([0x82]), 1)).toEqual(Buffer.from([0x41]));
  });

  it('round-trips septets for every fill (property; a text ending in CR on a boundary gains one CR)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ max: 0x7f, maxLength: 200 }), fc.integer({ min: 0, max: 6 }), (arr, fill) => {
        const septets = Buffer.from(arr);
        const packed = packSeptets(septets, fill);
        expect(packed.length).toBeLessThanOrEqual(Math.ceil((fill + (septets.length + 1) * 7) / 8));
        const back = unpackSeptets(packed, fill);
        const crAdded = septets.length > 0 && septets.at(-1) === 0x0d && (fill + septets.length * 7) % 8 === 0;
        expect(back).toEqual(crAdded ? Buffer.concat([septets, Buffer.from([0x0d])]) : septets);
      }),
    );
  });
});
