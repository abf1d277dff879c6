import { TextDecodeError } from './text-error';

/** ISO 8859-1 (SMPP v3.4 §5.2.19 data_coding 0x03), or null when a character is above U+00FF. */
export function encodeLatin1(text: string): Buffer | null {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return null;
  return Buffer.from(text, 'latin1');
}

export function decodeLatin1(bytes: Buffer): string {
  return bytes.toString('latin1');
}

/** IA5 / ASCII (data_coding 0x01): 7-bit, or null when a character is above U+007F. */
export function encodeIa5(text: string): Buffer | null {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return null;
  return Buffer.from(text, 'latin1');
}

/** An octet above 0x7F cannot be IA5 (ITU-T T.50 is a 7-bit code). */
export function decodeIa5(bytes: Buffer): string {
  const bad = bytes.findIndex((b) => b > 0x7f);
  if (bad >= 0) throw new TextDecodeError('invalid', `octet 0x${bytes[bad]!.toString(16)} at ${bad} is not IA5`);
  return bytes.toString('latin1');
}
