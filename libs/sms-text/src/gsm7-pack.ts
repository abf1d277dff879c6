import { TextDecodeError } from './text-error';

const CR = 0x0d;

/**
 * Pack septets 7 bits each, least significant bit first (TS 23.038 §6.1.2.1.1). `fillBits`
 * (0–6) zero bits come first, so that septets after a UDH start on a septet boundary
 * (TS 23.040 §9.2.3.24). SMPP counts octets, not septets: when the last octet would carry
 * 7 spare bits a receiver would read them as an extra '@', so they are filled with CR, the
 * padding TS 23.038 §6.1.2.3.1 defines; a text that itself ends with CR exactly on an octet
 * boundary gets a second CR, as that clause says (the receiver then shows CR twice).
 */
export function packSeptets(septets: Buffer, fillBits = 0): Buffer {
  let list = septets;
  const bits = (n: number) => fillBits + n * 7;
  const endsWithCr = list.length > 0 && list[list.length - 1] === CR;
  if (bits(list.length) % 8 === 1 || (endsWithCr && bits(list.length) % 8 === 0)) {
    list = Buffer.concat([list, Buffer.from([CR])]);
  }
  const out = Buffer.alloc(Math.ceil(bits(list.length) / 8));
  let bit = fillBits;
  for (const s of list) {
    const byte = bit >> 3;
    const shift = bit & 7;
    out[byte] = out[byte]! | ((s << shift) & 0xff);
    if (shift > 1) out[byte + 1] = (s >> (8 - shift)) & 0xff;
    bit += 7;
  }
  return out;
}

/** Inverse of packSeptets: every whole septet after `fillBits`, minus the CR padding. */
export function unpackSeptets(packed: Buffer, fillBits = 0): Buffer {
  if (fillBits < 0 || fillBits > 6) throw new TextDecodeError('invalid', `fill bits ${fillBits}`);
  const total = packed.length * 8 - fillBits;
  const n = Math.max(0, Math.floor(total / 7));
  const out = Buffer.alloc(n);
  let bit = fillBits;
  for (let i = 0; i < n; i++) {
    const byte = bit >> 3;
    const shift = bit & 7;
    let v = packed[byte]! >> shift;
    if (shift > 1) v |= packed[byte + 1]! << (8 - shift);
    out[i] = v & 0x7f;
    bit += 7;
  }
  // A last septet that ends exactly on the octet boundary and is CR is the padding above.
  if (n > 0 && total % 7 === 0 && out[n - 1] === CR) return out.subarray(0, n - 1);
  return out;
}
