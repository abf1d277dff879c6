import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeGsm7, encodeGsm7, type Gsm7Tables } from './gsm7';
import { DEFAULT_BASIC, DEFAULT_EXTENSION, LOCKING_SHIFT, SINGLE_SHIFT } from './gsm7-shift-tables';
import { TextDecodeError } from './text-error';

/**
 * encodeGsm7 and decodeGsm7 go a UTF-16 unit at a time and copy a text whose characters are
 * their own septets in one go; these are the plain code-point-at-a-time versions they replaced,
 * and the properties that they agree on any input, with every table combination.
 */
const ESC = 0x1b;

function referenceTables(t: Gsm7Tables) {
  const basic = (t.locking && LOCKING_SHIFT[t.locking]) || DEFAULT_BASIC;
  const extension = t.single ? SINGLE_SHIFT[t.single] : DEFAULT_EXTENSION;
  const encode = new Map<string, number>();
  for (const [code, ch] of extension) encode.set(ch, (ESC << 8) | code);
  for (let i = 0; i < basic.length; i++) if (i !== ESC) encode.set(basic[i]!, i);
  return { encode, basic, ext: new Map(extension) };
}

function referenceEncode(text: string, t: Gsm7Tables): Buffer | null {
  const { encode } = referenceTables(t);
  const out: number[] = [];
  for (const ch of text) {
    const code = encode.get(ch);
    if (code === undefined) return null;
    if (code > 0xff) out.push(ESC);
    out.push(code & 0xff);
  }
  return Buffer.from(out);
}

function referenceDecode(buf: Buffer, t: Gsm7Tables): string {
  const { basic, ext } = referenceTables(t);
  let s = '';
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b > 0x7f) throw new TextDecodeError('invalid', `octet 0x${b.toString(16)} at ${i} is not a GSM septet`);
    if (b === ESC) {
      const next = buf[i + 1];
      if (next === undefined) break;
      if (next > 0x7f) throw new TextDecodeError('invalid', `octet 0x${next.toString(16)} at ${i + 1} is not a GSM septet`);
      i++;
      s += ext.get(next) ?? (next === ESC ? ' ' : basic[next]!);
      continue;
    }
    s += basic[b]!;
  }
  return s;
}

const TABLES: Gsm7Tables[] = [
  {},
  { single: 'turkish' },
  { locking: 'turkish' },
  { locking: 'turkish', single: 'turkish' },
  { single: 'spanish' },
  { single: 'portuguese' },
  { locking: 'portuguese' },
  { locking: 'portuguese', single: 'portuguese' },
];
const ALL_CHARS = [DEFAULT_BASIC, ...Object.values(LOCKING_SHIFT), ...[DEFAULT_EXTENSION, ...Object.values(SINGLE_SHIFT)].flatMap((e) => e.map(([, ch]) => ch))].join('');

/** Mostly ASCII (the fast path), some characters of any table, sometimes any UTF-16 unit or code point. */
const text = fc.string({
  unit: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
    { weight: 2, arbitrary: fc.constantFrom(...ALL_CHARS) },
    { weight: 1, arbitrary: fc.constantFrom('\n', '\r', '\f', '@', '$', '_', '`', '\x00', '\x1b') },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
    { weight: 1, arbitrary: fc.constantFrom('😀', '\ud83d', '\ude00', 'é', 'Ğ', 'ç') },
  ),
  maxLength: 200,
});

describe('GSM 7-bit fast paths agree with the reference (property)', () => {
  it('no table holds a surrogate or a character outside the BMP (what unit-at-a-time encoding relies on)', () => {
    for (const ch of ALL_CHARS) {
      const u = ch.charCodeAt(0);
      expect(u >= 0xd800 && u <= 0xdfff).toBe(false);
    }
    expect([...ALL_CHARS].length).toBe(ALL_CHARS.length);
  });

  it('encodeGsm7 gives the reference octets, or null when it does, for any text and tables', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(...TABLES), (s, t) => {
        expect(encodeGsm7(s, t)).toEqual(referenceEncode(s, t));
      }),
      { numRuns: 5000 },
    );
  });

  it('the all-ASCII fast path: every printable ASCII text of the default alphabet', () => {
    const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 160 });
    fc.assert(
      fc.property(ascii, (s) => {
        expect(encodeGsm7(s)).toEqual(referenceEncode(s, {}));
      }),
      { numRuns: 3000 },
    );
  });

  it('decodeGsm7 gives the reference text, or the same error, for any octets and tables', () => {
    const septets = fc.uint8Array({ maxLength: 200 }).chain((a) =>
      fc.oneof(
        fc.constant(Buffer.from(a)),
        // Mostly septets that decode to themselves, the fast path.
        fc.constant(Buffer.from(a.map((b) => 0x20 + (b % 0x5f)))),
        fc.constant(Buffer.from(a.map((b) => b & 0x7f))),
        // Escapes among septets of Latin-1 characters: ESC ESC, ESC at the end, € (above U+00FF).
        fc.constant(Buffer.from(a.map((b) => [0x1b, 0x1b, 0x1b, 0x41, 0x61, 0x00, 0x02, 0x11, 0x0a, 0x14, 0x28, 0x3c, 0x65, 0x40, 0x7f, 0x20][b & 15]!))),
      ),
    );
    fc.assert(
      fc.property(septets, fc.constantFrom(...TABLES), (buf, t) => {
        let want: string | Error;
        try {
          want = referenceDecode(buf, t);
        } catch (err) {
          want = err as Error;
        }
        if (typeof want === 'string') expect(decodeGsm7(buf, t)).toBe(want);
        else expect(() => decodeGsm7(buf, t)).toThrow(want.message);
      }),
      { numRuns: 5000 },
    );
  });

  it('texts that differ from ASCII in the default alphabet take the table, not the copy', () => {
    // @ is 0x00, $ is 0x02, _ is 0x11, ¤ is 0x24, [ is ESC 0x3C; a backtick is not GSM at all.
    expect(encodeGsm7('a@b$c_d¤[')).toEqual(Buffer.from([0x61, 0x00, 0x62, 0x02, 0x63, 0x11, 0x64, 0x24, 0x1b, 0x3c]));
    expect(encodeGsm7('abc`')).toBeNull();
    expect(encodeGsm7('Hello, world 123!')).toEqual(Buffer.from('Hello, world 123!', 'latin1'));
    expect(decodeGsm7(Buffer.from([0x41, 0x00, 0x02]))).toBe('A@$');
    expect(decodeGsm7(Buffer.from('Hello, world 123!', 'latin1'))).toBe('Hello, world 123!');
  });
});
