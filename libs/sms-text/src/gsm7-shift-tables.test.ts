import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeGsm7, encodeGsm7, gsm7Septets, type Gsm7Tables } from './gsm7';
import { LOCKING_SHIFT, NATIONAL_LANGUAGES, SINGLE_SHIFT, languageById } from './gsm7-shift-tables';

describe('national language tables (TS 23.038 Annex A)', () => {
  it('every locking table has 128 positions with ESC at 0x1B', () => {
    for (const t of Object.values(LOCKING_SHIFT)) {
      expect(t!.length).toBe(128);
      expect(t!.charCodeAt(0x1b)).toBe(0x1b);
    }
    expect(LOCKING_SHIFT.spanish).toBeUndefined(); // A.3.2 is void
  });

  it.each([
    // Turkish locking shift (A.3.1): ı at 0x07, Ğ 0x0B, Ş 0x1C, İ 0x40, ç 0x60, € 0x04
    ['ıĞŞİç€', { locking: 'turkish' }, [0x07, 0x0b, 0x1c, 0x40, 0x60, 0x04]],
    // Turkish single shift (A.2.1): ESC + ş 0x73, ğ 0x67, İ 0x49
    ['şğİ', { single: 'turkish' }, [0x1b, 0x73, 0x1b, 0x67, 0x1b, 0x49]],
    // Spanish single shift (A.2.2): á 0x61, Í 0x49, ç 0x09; default basic table stays
    ['áÍç@', { single: 'spanish' }, [0x1b, 0x61, 0x1b, 0x49, 0x1b, 0x09, 0x00]],
    // Portuguese locking (A.3.3): ã 0x7B, õ 0x7C, ê 0x04, Ç 0x13, ` 0x7D, ~ 0x60
    ['ãõêÇ`~', { locking: 'portuguese' }, [0x7b, 0x7c, 0x04, 0x13, 0x7d, 0x60]],
    // Portuguese single (A.2.3): Ã 0x5B, â 0x7F, Ê 0x1F after ESC
    ['Ãâ Ê', { single: 'portuguese' }, [0x1b, 0x5b, 0x1b, 0x7f, 0x20, 0x1b, 0x1f]],
    // Both Portuguese tables: Ã basic 0x5B, Φ and { through ESC, € basic 0x18
    ['ÃΦ{€', { locking: 'portuguese', single: 'portuguese' }, [0x5b, 0x1b, 0x12, 0x1b, 0x28, 0x18]],
  ] as Array<[string, Gsm7Tables, number[]]>)('golden bytes: %s with %o', (text, tables, bytes) => {
    expect(encodeGsm7(text, tables)).toEqual(Buffer.from(bytes));
    expect(decodeGsm7(Buffer.from(bytes), tables)).toBe(text);
    expect(gsm7Septets(text, tables)).toBe(bytes.length);
  });

  it('a character missing from the tables is not GSM; the default table lacks national letters', () => {
    expect(encodeGsm7('ş')).toBeNull();
    expect(encodeGsm7('ã', { single: 'spanish' })).toBeNull();
    expect(languageById(1)).toBe('turkish');
    expect(languageById(9)).toBeUndefined();
  });

  const combos: Gsm7Tables[] = NATIONAL_LANGUAGES.flatMap((l) => [
    { single: l },
    ...(LOCKING_SHIFT[l] ? [{ locking: l }, { locking: l, single: l }] : []),
  ]);

  it.each(combos)('round-trips every string of the table set %o (property)', (tables) => {
    const basic = (tables.locking && LOCKING_SHIFT[tables.locking]) || encodeGsm7Chars();
    const chars = [...basic.replace('\x1b', ''), ...(tables.single ? SINGLE_SHIFT[tables.single] : []).map(([, c]) => c)];
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...chars), maxLength: 300 }), (s) => {
        const enc = encodeGsm7(s, tables)!;
        expect(enc).not.toBeNull();
        expect(decodeGsm7(enc, tables)).toBe(s);
      }),
    );
  });
});

function encodeGsm7Chars(): string {
  return Array.from({ length: 128 }, (_, i) => (i === 0x1b ? '\x1b' : decodeGsm7(Buffer.from([i])))).join('');
}
