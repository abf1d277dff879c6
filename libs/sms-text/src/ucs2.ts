import { TextDecodeError } from './text-error';

/**
 * UCS-2 as carried by SMPP data_coding 0x08: UTF-16 big-endian code units. Characters outside the
 * BMP travel as surrogate pairs, which every current handset renders.
 */
export function encodeUcs2(text: string): Buffer {
  const buf = Buffer.from(text, 'utf16le');
  return buf.swap16();
}

/** True when the code unit at `offset` (big-endian) is a high surrogate, the first of a pair. */
export function isHighSurrogateAt(buf: Buffer, offset: number): boolean {
  const unit = buf.readUInt16BE(offset);
  return unit >= 0xd800 && unit <= 0xdbff;
}

/**
 * Odd length is invalid (§5.2.19). An unpaired surrogate is too: it is what a part cut in the
 * middle of a pair decodes to, and Node would turn it into U+FFFD without a word.
 */
export function decodeUcs2(buf: Buffer): string {
  if (buf.length % 2 !== 0) throw new TextDecodeError('invalid', `UCS-2 content has odd length ${buf.length}`);
  for (let i = 0; i < buf.length; i += 2) {
    const u = buf.readUInt16BE(i);
    if (u < 0xd800 || u > 0xdfff) continue;
    const next = i + 2 < buf.length ? buf.readUInt16BE(i + 2) : -1;
    if (u > 0xdbff || next < 0xdc00 || next > 0xdfff) throw new TextDecodeError('invalid', `unpaired surrogate 0x${u.toString(16)} at ${i}`);
    i += 2;
  }
  // Copy before swapping: never mutate the caller's buffer.
  return Buffer.from(buf).swap16().toString('utf16le');
}
