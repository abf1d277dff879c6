import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeGsm7, encodeGsm7, gsm7Septets, isGsm7 } from './gsm7';
import { decodeText } from './text';
import { TextDecodeError } from './text-error';
import { decodeUcs2, encodeUcs2 } from './ucs2';

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT = '^{}\\[~]|€\f';

describe('GSM 03.38', () => {
  it('maps the basic table to septets 0x00–0x7F (0x1B is the escape)', () => {
    const enc = encodeGsm7(GSM_BASIC)!;
    expect(enc.length).toBe(127);
    expect(enc[0]).toBe(0x00); // @
    expect(enc[1]).toBe(0x01); // £
    expect(encodeGsm7('A')).toEqual(Buffer.from([0x41]));
    expect(encodeGsm7('¤')).toEqual(Buffer.from([0x24]));
    expect(encodeGsm7('à')).toEqual(Buffer.from([0x7f]));
    expect(encodeGsm7('Δ')).toEqual(Buffer.from([0x10]));
    expect(decodeGsm7(enc)).toBe(GSM_BASIC);
  });

  it('escapes the extension table with 0x1B', () => {
    expect(encodeGsm7('€')).toEqual(Buffer.from([0x1b, 0x65]));
    expect(encodeGsm7('{x}')).toEqual(Buffer.from([0x1b, 0x28, 0x78, 0x1b, 0x29]));
    expect(decodeGsm7(encodeGsm7(GSM_EXT)!)).toBe(GSM_EXT);
    expect(gsm7Septets(GSM_EXT)).toBe(20);
    expect(gsm7Septets('abc€')).toBe(5);
  });

  it('returns null for characters outside GSM', () => {
    expect(encodeGsm7('hello 😀')).toBeNull();
    expect(encodeGsm7('ç')).toBeNull(); // only upper-case Ç is in the table
    expect(encodeGsm7('`')).toBeNull();
    expect(encodeGsm7('\x1b')).toBeNull();
    expect(gsm7Septets('Привет')).toBeNull();
    expect(isGsm7('Hello €')).toBe(true);
  });

  it('decodes an unknown extension as the basic character and rejects octets above 0x7F', () => {
    expect(decodeGsm7(Buffer.from([0x1b, 0x41]))).toBe('A');
    expect(() => decodeGsm7(Buffer.from([0x80]))).toThrow(TextDecodeError);
  });

  it('round-trips every GSM string (property)', () => {
    const gsmChar = fc.constantFrom(...Array.from(GSM_BASIC + GSM_EXT));
    fc.assert(
      fc.property(fc.string({ unit: gsmChar }), (s) => {
        const enc = encodeGsm7(s)!;
        expect(enc.length).toBe(gsm7Septets(s));
        expect(decodeGsm7(enc)).toBe(s);
      }),
    );
  });
});

describe('UCS-2', () => {
  it('is big-endian UTF-16', () => {
    expect(encodeUcs2('A€')).toEqual(Buffer.from([0x00, 0x41, 0x20, 0xac]));
    expect(encodeUcs2('😀')).toEqual(Buffer.from([0xd8, 0x3d, 0xde, 0x00]));
    expect(decodeUcs2(Buffer.from([0x04, 0x1f]))).toBe('П');
  });

  it('rejects odd length and leaves the input untouched', () => {
    expect(() => decodeUcs2(Buffer.from([0, 0x41, 0]))).toThrow(TextDecodeError);
    const b = Buffer.from([0x00, 0x41]);
    decodeUcs2(b);
    expect(b).toEqual(Buffer.from([0x00, 0x41]));
  });
});

describe('decodeText by data_coding (§5.2.19)', () => {
  it('decodes the text codings', () => {
    expect(decodeText(0x00, Buffer.from([0x1b, 0x65, 0x31]))).toBe('€1');
    expect(decodeText(0x01, Buffer.from('plain'))).toBe('plain');
    expect(decodeText(0x03, Buffer.from([0xe9, 0x74, 0xe9]))).toBe('été');
    expect(decodeText(0x08, Buffer.from([0x00, 0x48, 0x00, 0x69]))).toBe('Hi');
    expect(decodeText(0xf0, Buffer.from([0x41]))).toBe('A');
  });

  it.each([
    [0x02, 'binary'],
    [0x04, 'binary'],
    [0xf4, 'binary'],
    [0x05, 'unsupported'],
    [0x09, 'unsupported'],
  ])('data_coding %d → TextDecodeError %s', (dc, reason) => {
    try {
      decodeText(dc, Buffer.from([1, 2]));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TextDecodeError);
      expect((err as TextDecodeError).reason).toBe(reason);
    }
  });
});
