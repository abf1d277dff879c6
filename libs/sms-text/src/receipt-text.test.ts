import { describe, expect, it } from 'vitest';
import { formatReceiptText, parseReceiptDate, parseReceiptText, parseReceiptTextCanonical, parseReceiptTextTolerant } from './receipt-text';

const submitDate = new Date(Date.UTC(2024, 0, 31, 23, 59, 30));
const doneDate = new Date(Date.UTC(2024, 1, 1, 0, 5));

describe('formatReceiptText (Appendix B)', () => {
  it('writes the canonical layout in UTC with zero-padded counters', () => {
    expect(formatReceiptText({ id: '0A1B2C', submitDate, doneDate, stat: 'DELIVRD', text: 'Hello there, this is longer than twenty' })).toBe(
      'id:0A1B2C sub:001 dlvrd:001 submit date:2401312359 done date:2402010005 stat:DELIVRD err:000 text:Hello there, this is',
    );
  });

  it('defaults dlvrd to 0 for a failure and pads err', () => {
    expect(formatReceiptText({ id: '7', submitDate, doneDate, stat: 'UNDELIV', err: 34 })).toContain('dlvrd:000 submit date');
    expect(formatReceiptText({ id: '7', submitDate, doneDate, stat: 'UNDELIV', err: 34 })).toContain('err:034 text:');
  });

  it('round-trips through the parser', () => {
    const s = formatReceiptText({ id: 'abc', submitDate, doneDate, stat: 'EXPIRED', err: '00B', text: 'a:b c' });
    expect(parseReceiptText(s)).toEqual({
      id: 'abc',
      sub: '001',
      dlvrd: '000',
      submitDate: new Date(Date.UTC(2024, 0, 31, 23, 59)),
      doneDate,
      stat: 'EXPIRED',
      err: '00B',
      text: 'a:b c',
      extra: {},
    });
  });
});

describe('parseReceiptText (tolerant)', () => {
  it('canonical receipt with 12-digit dates (seconds)', () => {
    const r = parseReceiptText('id:1234567890 sub:001 dlvrd:001 submit date:240131235930 done date:240201000512 stat:DELIVRD err:000 text:Hi');
    expect(r.id).toBe('1234567890');
    expect(r.submitDate).toEqual(submitDate);
    expect(r.doneDate).toEqual(new Date(Date.UTC(2024, 1, 1, 0, 5, 12)));
    expect(r.stat).toBe('DELIVRD');
    expect(r.text).toBe('Hi');
  });

  it('capitalised keys, uppercase Text and no text value (Kannel/Jasmin style)', () => {
    const r = parseReceiptText('id:c449ab9744f47b6af1879e49e75e4f40 Sub:001 Dlvrd:001 Submit date:2401311200 Done date:2401311201 Stat:DELIVRD Err:000 Text:');
    expect(r).toMatchObject({ id: 'c449ab9744f47b6af1879e49e75e4f40', sub: '001', dlvrd: '001', stat: 'DELIVRD', err: '000', text: '' });
    expect(r.doneDate).toEqual(new Date(Date.UTC(2024, 0, 31, 12, 1)));
  });

  it('fields in another order, underscores, missing fields, vendor extras', () => {
    const r = parseReceiptText('stat:UNDELIV id:00FF12 err:0x1A submit_date:2401311200 imsi:262011234567890 nw:26201');
    expect(r).toMatchObject({ id: '00FF12', stat: 'UNDELIV', err: '0x1A', extra: { imsi: '262011234567890', nw: '26201' } });
    expect(r.submitDate).toEqual(new Date(Date.UTC(2024, 0, 31, 12, 0)));
    expect(r.doneDate).toBeUndefined();
    expect(r.sub).toBeUndefined();
    expect(r.text).toBeUndefined();
  });

  it('text with colons runs until the next known key', () => {
    const r = parseReceiptText('id:9 text:Meet at 10:30 ok: see you stat:DELIVRD');
    expect(r.text).toBe('Meet at 10:30 ok: see you');
    expect(r.stat).toBe('DELIVRD');
    expect(r.extra).toEqual({});
  });

  it('an id containing a colon stays whole', () => {
    expect(parseReceiptText('id:ab:cd stat:ENROUTE').id).toBe('ab:cd');
  });

  it('rejects impossible dates instead of rolling them over', () => {
    expect(parseReceiptDate('2402301200')).toBeUndefined();
    expect(parseReceiptDate('24013112')).toBeUndefined();
    expect(parseReceiptText('id:1 done date:2413011200').doneDate).toBeUndefined();
  });

  it('returns only extra for text that is no receipt', () => {
    expect(parseReceiptText('hello world')).toEqual({ extra: {} });
  });
});

describe('parseReceiptText on hostile input', () => {
  // 32 K blanks followed by a non-blank: /\s+$/ retried from each blank (≈0.5 s per receipt);
  // ten receipts must come nowhere near the bound.
  it('parses 32 K characters of blank-padded text in linear time', { timeout: 2_000 }, () => {
    for (let i = 0; i < 10; i++) {
      const s = `id:abc${i} stat:DELIVRD err:000 text:hi${' '.repeat(32_000)}.${' \t'.repeat(8)}`;
      const r = parseReceiptText(s);
      expect(r.id).toBe(`abc${i}`);
      expect(r.text).toBe(`hi${' '.repeat(32_000)}.`);
    }
  });
});

describe('parseReceiptText: the canonical shortcut answers as the tolerant parse', () => {
  // A seeded generator: the same cases on every run.
  let seed = 20261202;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
  const canonical = () =>
    `id:${pick(['0A1B2C', 'c449ab9744f47b6af1879e49e75e4f40', '1234567890', 'a:b', 'ÿé', ''])} sub:${pick(['001', '1', ''])} dlvrd:${pick(['001', '000'])} ` +
    `submit date:${pick(['2401312359', '240131235930', '2413312359', '24013123', 'x'])} done date:${pick(['2402010005', '240229240000', ''])} ` +
    `stat:${pick(['DELIVRD', 'UNDELIV', 'EXPIRED', ''])} err:${pick(['000', '00B', '034'])} text:${pick(['', 'Hello there', 'Bench message 1 fro', 'a  ', ' lead', 'é\u00a0x'])}`;
  // What a vendor may do instead: other cases, blanks, tabs, colons, keys out of order or extra.
  const mutations: Array<(s: string) => string> = [
    (s) => s,
    (s) => s.replace(' stat:', '  stat:'),
    (s) => s.replace('id:', 'ID:'),
    (s) => s.replace(' text:', ' Text:'),
    (s) => s.replace('submit date', 'submit_date'),
    (s) => s.replace(' err:', '\terr:'),
    (s) => s.replace(' err:', ' imsi:123 err:'),
    (s) => `${s} nw:5`,
    (s) => `${s} stat:REJECTD`,
    (s) => `${s}:`,
    (s) => s.replace('sub:', 'sub:0 1'),
    (s) => s.replace('dlvrd:', 'dlvrd:\u2028'),
    (s) => `${s}   \t`,
    (s) => s.replace('id:', ' id:'),
    (s) => s.replace(' done date:', ' stat:X done date:'),
  ];

  it('for 3,000 receipts, canonical and not', () => {
    let shortcuts = 0;
    for (let i = 0; i < 3_000; i++) {
      const s = pick(mutations)(canonical());
      const fast = parseReceiptTextCanonical(s);
      if (fast) {
        shortcuts++;
        expect(fast, s).toStrictEqual(parseReceiptTextTolerant(s));
      }
      expect(parseReceiptText(s), s).toStrictEqual(parseReceiptTextTolerant(s));
    }
    // The generator's untouched receipts (most without a colon in the text) take the shortcut.
    expect(shortcuts).toBeGreaterThan(150);
  });

  it('parseReceiptDate reads only 10 or 12 digits of a real date', () => {
    expect(parseReceiptDate('2401312359')).toEqual(new Date(Date.UTC(2024, 0, 31, 23, 59)));
    expect(parseReceiptDate('240131235930')).toEqual(submitDate);
    for (const bad of ['', '240131235', '24013123593', '2401312359301', '24013123 9', '２401312359', '2402302359', '2401312459', '2401312360']) expect(parseReceiptDate(bad), bad).toBeUndefined();
  });
});

describe('the canonical shortcut\'s blanks are JavaScript\'s \\s', () => {
  it('a value with any \\s character is left to the tolerant parse, any other character is not', () => {
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      if (ch === ':' || ch === ' ') continue;
      const s = `id:a${ch}b sub:001 dlvrd:001 submit date:2401312359 done date:2402010005 stat:DELIVRD err:000 text:x`;
      expect(parseReceiptTextCanonical(s) === undefined, `U+${c.toString(16)}`).toBe(/\s/.test(ch));
    }
  });
});
