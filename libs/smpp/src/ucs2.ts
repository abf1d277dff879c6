import { TextDecodeError } from './text-error';

/**
 * UCS-2 as carried by SMPP data_coding 0x08: UTF-16 big-endian code units. Characters outside the
 * BMP travel as surrogate pairs, which every current handset renders.
 */
export function encodeUcs2(text: string): Buffer {
  const buf = Buffer.from(text, 'utf16le');
  return buf.swap16();
}

export function decodeUcs2(buf: Buffer): string {
  if (buf.length % 2 !== 0) throw new TextDecodeError('invalid', `UCS-2 content has odd length ${buf.length}`);
  // Copy before swapping: never mutate the caller's buffer.
  return Buffer.from(buf).swap16().toString('utf16le');
}
