import {
  DEFAULT_BASIC,
  DEFAULT_EXTENSION,
  LOCKING_SHIFT,
  SINGLE_SHIFT,
  type NationalLanguage,
} from './gsm7-shift-tables';
import { TextDecodeError } from './text-error';

/**
 * Which GSM 7-bit tables a message uses (TS 23.038 §6.2.1.2.4): `locking` replaces the basic
 * table, `single` the extension table. Absent = the default alphabet / extension table.
 */
export interface Gsm7Tables {
  locking?: NationalLanguage;
  single?: NationalLanguage;
}

const ESC = 0x1b;

interface Codec {
  /** Character → septet, or (ESC << 8 | code) for characters reached through the escape. */
  encode: Map<string, number>;
  basic: string;
  ext: Map<number, string>;
}

const codecs = new Map<string, Codec>();

function codecFor(t: Gsm7Tables | undefined): Codec {
  const key = `${t?.locking ?? ''}/${t?.single ?? ''}`;
  let c = codecs.get(key);
  if (c) return c;
  const basic = (t?.locking && LOCKING_SHIFT[t.locking]) || DEFAULT_BASIC;
  const extension = t?.single ? SINGLE_SHIFT[t.single] : DEFAULT_EXTENSION;
  const encode = new Map<string, number>();
  // Extension first, basic after: a character in both costs one septet, not two.
  for (const [code, ch] of extension) encode.set(ch, (ESC << 8) | code);
  for (let i = 0; i < basic.length; i++) if (i !== ESC) encode.set(basic[i]!, i);
  c = { encode, basic, ext: new Map(extension) };
  codecs.set(key, c);
  return c;
}

/** True when every character is in the basic table or its extension table. */
export function isGsm7(text: string, tables?: Gsm7Tables): boolean {
  const { encode } = codecFor(tables);
  for (const ch of text) if (!encode.has(ch)) return false;
  return true;
}

/** Number of septets the text needs (escaped characters count 2), or null when not GSM. */
export function gsm7Septets(text: string, tables?: Gsm7Tables): number | null {
  const { encode } = codecFor(tables);
  let n = 0;
  for (const ch of text) {
    const code = encode.get(ch);
    if (code === undefined) return null;
    n += code > 0xff ? 2 : 1;
  }
  return n;
}

/**
 * Encode as unpacked septets (one per octet, as SMPP carries data_coding 0), or null when a
 * character is not representable with these tables.
 */
export function encodeGsm7(text: string, tables?: Gsm7Tables): Buffer | null {
  const { encode } = codecFor(tables);
  const out = Buffer.allocUnsafe(text.length * 2);
  let n = 0;
  for (const ch of text) {
    const code = encode.get(ch);
    if (code === undefined) return null;
    if (code > 0xff) out[n++] = ESC;
    out[n++] = code & 0xff;
  }
  return Buffer.from(out.subarray(0, n));
}

/**
 * Decode unpacked septets. An unknown extension code shows the basic character, as TS 23.038
 * §6.2.1.1 prescribes for receivers (ESC ESC, reserved, shows a space); an octet above 0x7F
 * cannot be a septet and is rejected.
 */
export function decodeGsm7(buf: Buffer, tables?: Gsm7Tables): string {
  const { basic, ext } = codecFor(tables);
  let s = '';
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b > 0x7f) throw new TextDecodeError('invalid', `octet 0x${b.toString(16)} at ${i} is not a GSM septet`);
    if (b === ESC) {
      const next = buf[i + 1];
      if (next === undefined) break; // a dangling escape carries no character
      if (next > 0x7f) throw new TextDecodeError('invalid', `octet 0x${next.toString(16)} at ${i + 1} is not a GSM septet`);
      i++;
      s += ext.get(next) ?? (next === ESC ? ' ' : basic[next]!);
      continue;
    }
    s += basic[b]!;
  }
  return s;
}
