import { TextDecodeError } from './text-error';

/**
 * GSM 03.38 (3GPP TS 23.038 §6.2.1) default alphabet, index = septet value. 0x1B is the escape
 * to the extension table and has no character of its own.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

const ESC = 0x1b;

/** Extension table (TS 23.038 §6.2.1.1): each costs ESC + one septet. */
const EXTENSION: ReadonlyArray<[number, string]> = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

const ENCODE = new Map<string, number>();
for (let i = 0; i < BASIC.length; i++) if (i !== ESC) ENCODE.set(BASIC[i]!, i);
// Extension characters map to (ESC << 8 | code) to tell them apart from basic ones.
for (const [code, ch] of EXTENSION) ENCODE.set(ch, (ESC << 8) | code);
const DECODE_EXT = new Map<number, string>(EXTENSION);

/** True when every character is in the default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!ENCODE.has(ch)) return false;
  return true;
}

/** Number of septets the text needs (extension characters count 2), or null when not GSM. */
export function gsm7Septets(text: string): number | null {
  let n = 0;
  for (const ch of text) {
    const code = ENCODE.get(ch);
    if (code === undefined) return null;
    n += code > 0xff ? 2 : 1;
  }
  return n;
}

/**
 * Encode as unpacked septets (one per octet, as SMPP carries data_coding 0), or null when a
 * character is not representable.
 */
export function encodeGsm7(text: string): Buffer | null {
  const out: number[] = [];
  for (const ch of text) {
    const code = ENCODE.get(ch);
    if (code === undefined) return null;
    if (code > 0xff) out.push(ESC, code & 0xff);
    else out.push(code);
  }
  return Buffer.from(out);
}

/**
 * Decode unpacked septets. An unknown extension code shows the basic character, as TS 23.038
 * prescribes for receivers; an octet above 0x7F cannot be a septet and is rejected.
 */
export function decodeGsm7(buf: Buffer): string {
  let s = '';
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b > 0x7f) throw new TextDecodeError('invalid', `octet 0x${b.toString(16)} at ${i} is not a GSM septet`);
    if (b === ESC) {
      const next = buf[i + 1];
      if (next === undefined) break; // a dangling escape carries no character
      if (next > 0x7f) throw new TextDecodeError('invalid', `octet 0x${next.toString(16)} at ${i + 1} is not a GSM septet`);
      i++;
      s += DECODE_EXT.get(next) ?? (next === ESC ? ' ' : BASIC[next]!);
      continue;
    }
    s += BASIC[b]!;
  }
  return s;
}
