import { describe, expect, it } from 'vitest';
import type { InEntry } from './entries';
import { applyReplacement, isSuperseded, parseReplacement } from './replacement';

const m: InEntry = {
  v: 1, id: 'm1', sys: 'acme', src: { ton: 5, npi: 0, addr: 'A', norm: 'A' }, dst: { ton: 1, npi: 1, addr: '44', norm: '44' },
  dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: 'eA==', vp: '000001000000000R', exp: 9_000, due: 5_000, at: 1_000,
};

describe('replacements (replace_sm, replace_if_present_flag)', () => {
  it('reads `<version>|<json>` and nothing else', () => {
    expect(parseReplacement('2|{"sm":"eQ==","due":0}')).toEqual({ v: 2, set: { sm: 'eQ==', due: 0 } });
    for (const bad of [null, '', '{"sm":"x"}', '0|{}', 'x|{}', '1|not json', '1|{"rd":"one"}']) expect(parseReplacement(bad)).toBeUndefined();
  });

  it('applies its fields over the copy, stamps its version; due 0 and vp "" take schedule and validity away', () => {
    const r = { v: 3, set: { sm: 'eQ==', rd: 0, due: 0, vp: '' } };
    const out = applyReplacement(m, r);
    expect(out).toMatchObject({ sm: 'eQ==', rd: 0, rv: 3, exp: 9_000, dc: 0 });
    expect(out).not.toHaveProperty('due');
    expect(out).not.toHaveProperty('vp');
    expect(m).toMatchObject({ sm: 'eA==', due: 5_000 }); // the copy itself is left as it was
    expect(isSuperseded(m, r)).toBe(true);
    expect(isSuperseded(out, r)).toBe(false);
    expect(isSuperseded(m, undefined)).toBe(false);
  });
});
