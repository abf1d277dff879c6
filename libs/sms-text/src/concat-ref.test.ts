import { describe, expect, it } from 'vitest';
import { createConcatRefs } from './concat-ref';

describe('createConcatRefs', () => {
  it('rotates per destination from a random start, 16-bit wrapping', () => {
    let r = 0.99999;
    const refs = createConcatRefs({ random: () => r });
    const a = refs.next('447700900001');
    expect(a).toBe(0xffff);
    expect(refs.next('447700900001')).toBe(0);
    r = 0.5;
    expect(refs.next('447700900002')).toBe(0x8000);
    expect(refs.next('447700900001')).toBe(1);
  });

  it('gives 256 consecutive messages to one destination distinct 8-bit references', () => {
    const refs = createConcatRefs();
    const seen = new Set(Array.from({ length: 256 }, () => refs.next('x') & 0xff));
    expect(seen.size).toBe(256);
  });

  it('is bounded: the least recently used destination is forgotten', () => {
    const refs = createConcatRefs({ maxDestinations: 2, random: () => 0 });
    refs.next('a');
    refs.next('b');
    refs.next('a');
    refs.next('c'); // evicts b
    expect(refs.next('a')).toBe(2);
    expect(refs.next('b')).toBe(0);
  });
});
