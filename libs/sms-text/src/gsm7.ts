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
  /** `encode` for the characters U+0000–U+00FF (most texts have no other), -1 where there is none. */
  latin1: Int16Array;
  /** The character code of each septet, and of each escaped septet, where it is U+00FF or below; else -1. */
  narrow: Int16Array;
  narrowEscaped: Int16Array;
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
  const latin1 = new Int16Array(256).fill(-1);
  for (let u = 0; u < 256; u++) latin1[u] = encode.get(String.fromCharCode(u)) ?? -1;
  const ext = new Map(extension);
  const code = (ch: string | undefined) => (ch !== undefined && ch.charCodeAt(0) <= 0xff ? ch.charCodeAt(0) : -1);
  const narrow = Int16Array.from({ length: 128 }, (_, b) => code(basic[b]));
  const narrowEscaped = Int16Array.from({ length: 128 }, (_, b) => code(ext.get(b) ?? (b === ESC ? ' ' : basic[b])));
  c = { encode, basic, ext, latin1, narrow, narrowEscaped };
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
 *
 * One UTF-16 unit at a time: no table holds a character outside the BMP, so a surrogate (half of
 * such a character) is never representable, just as the whole character is not. A text whose
 * every character is its own septet (letters, digits, space and most ASCII punctuation in the
 * default alphabet) is copied as Latin-1 in one go.
 */
export function encodeGsm7(text: string, tables?: Gsm7Tables): Buffer | null {
  const c = codecFor(tables);
  const len = text.length;
  let n = 0;
  let same = true;
  for (let i = 0; i < len; i++) {
    const u = text.charCodeAt(i);
    const code = u < 256 ? c.latin1[u]! : (c.encode.get(String.fromCharCode(u)) ?? -1);
    if (code < 0) return null;
    n += code > 0xff ? 2 : 1;
    if (code !== u) same = false;
  }
  if (same) return Buffer.from(text, 'latin1');
  const out = Buffer.allocUnsafe(n);
  n = 0;
  for (let i = 0; i < len; i++) {
    const u = text.charCodeAt(i);
    const code = u < 256 ? c.latin1[u]! : c.encode.get(String.fromCharCode(u))!;
    if (code > 0xff) out[n++] = ESC;
    out[n++] = code & 0xff;
  }
  return out;
}

/**
 * Decode unpacked septets. An unknown extension code shows the basic character, as TS 23.038
 * §6.2.1.1 prescribes for receivers (ESC ESC, reserved, shows a space); an octet above 0x7F
 * cannot be a septet and is rejected.
 */
export function decodeGsm7(buf: Buffer, tables?: Gsm7Tables): string {
  const c = codecFor(tables);
  const narrow = decodeNarrow(buf, c);
  if (narrow !== null) return narrow;
  const { basic, ext } = c;
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

let scratch = Buffer.allocUnsafe(256);

/**
 * decodeGsm7 for the usual text, whose every character is U+00FF or below: the character codes
 * go into a scratch buffer read back as Latin-1, one string made instead of one per character.
 * Null when a character is above U+00FF or an octet is not a septet: the general path then
 * decodes the text or says what is wrong with it.
 */
function decodeNarrow(buf: Buffer, c: Codec): string | null {
  const n = buf.length;
  if (scratch.length < n) scratch = Buffer.allocUnsafe(n);
  const out = scratch;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i]!;
    if (b > 0x7f) return null;
    let ch: number;
    if (b === ESC) {
      if (i + 1 === n) break; // a dangling escape carries no character
      const next = buf[++i]!;
      if (next > 0x7f) return null;
      ch = c.narrowEscaped[next]!;
    } else {
      ch = c.narrow[b]!;
    }
    if (ch < 0) return null;
    out[m++] = ch;
  }
  return out.toString('latin1', 0, m);
}
