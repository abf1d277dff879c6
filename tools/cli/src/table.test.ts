import { describe, expect, it } from 'vitest';
import { cellText, formatFields, formatTable } from './table';

describe('formatTable', () => {
  it('pads each column to its widest cell, two spaces apart, without trailing blanks', () => {
    const out = formatTable(['STREAM', 'GROUP'], [['smsgw:in', 'policy'], ['smsgw:dlr-in', 'dlr']]);
    expect(out.split('\n')).toEqual([
      'STREAM        GROUP', //
      'smsgw:in      policy',
      'smsgw:dlr-in  dlr',
    ]);
  });

  it('right-aligns a column holding only numbers (and missing values); a mixed one stays left', () => {
    const out = formatTable(['NAME', 'LEN', 'MIXED'], [['a', 5, 1], ['b', 1234, 'x'], ['c', null, 2]]);
    expect(out.split('\n')).toEqual([
      'NAME   LEN  MIXED', //
      'a        5  1',
      'b     1234  x',
      'c        -  2',
    ]);
  });

  it('shows null, undefined and empty strings as "-"; booleans as text', () => {
    expect(formatTable(['A', 'B', 'C', 'D'], [[null, undefined, '', true]])).toBe('A  B  C  D\n-  -  -  true');
  });

  it('a table without rows is its header', () => {
    expect(formatTable(['ENTRY', 'STREAM'], [])).toBe('ENTRY  STREAM');
  });

  it('counts code points, not UTF-16 units, so astral characters do not skew the columns', () => {
    // "𝐀" (U+1D400) is two UTF-16 units but one column on the terminal.
    expect(formatTable(['X', 'Y'], [['𝐀', 1], ['abc', 2]]).split('\n')).toEqual(['X    Y', '𝐀    1', 'abc  2']);
  });
});

describe('cellText', () => {
  it('escapes control characters so a value cannot drive the terminal (ESC sequences, new lines)', () => {
    expect(cellText('a\u001b[2Jb\nc\u009b')).toBe('a\\u001b[2Jb\\u000ac\\u009b');
    expect(formatTable(['SRC'], [['x\ny']]).split('\n')).toHaveLength(2);
  });

  it('leaves printable text, including non-Latin letters, as it is', () => {
    expect(cellText('Ελληνικά ok')).toBe('Ελληνικά ok');
    expect(cellText(0)).toBe('0');
  });
});

describe('formatFields', () => {
  it('aligns the values after the longest key and leaves out undefined ones (null stays, as "-")', () => {
    expect(formatFields([['id', 'm-1'], ['client id', undefined], ['state', 'ACCEPTED'], ['error', null]])).toBe('id     m-1\nstate  ACCEPTED\nerror  -');
  });
});
