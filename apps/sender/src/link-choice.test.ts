import { describe, expect, it } from 'vitest';
import { createLinkChooser, type Choosable } from './link-choice';

const link = (id: string, boundCount = 1): Choosable => ({ id, boundCount });
const count = (picks: Array<Choosable | undefined>) => {
  const out: Record<string, number> = {};
  for (const p of picks) out[p?.id ?? '-'] = (out[p?.id ?? '-'] ?? 0) + 1;
  return out;
};

describe('link choice', () => {
  it('splits by weight exactly, spreading the picks (no long runs of one link)', () => {
    const choose = createLinkChooser<Choosable>();
    const a = link('a');
    const b = link('b');
    const picks = Array.from({ length: 10_000 }, () => choose([a, b], [1, 3]));
    expect(count(picks)).toEqual({ a: 2_500, b: 7_500 });
    expect(picks.slice(0, 8).map((p) => p!.id)).toEqual(['b', 'a', 'b', 'b', 'b', 'a', 'b', 'b']);
  });

  it('uses only the bound primaries, re-balancing when one drops and comes back', () => {
    const choose = createLinkChooser<Choosable>();
    const a = link('a');
    const b = link('b');
    const c = link('c');
    b.boundCount = 0;
    expect(count(Array.from({ length: 300 }, () => choose([a, b, c], [1, 1, 2])))).toEqual({ a: 100, c: 200 });
    b.boundCount = 2;
    expect(count(Array.from({ length: 400 }, () => choose([a, b, c], [1, 1, 2])))).toEqual({ a: 100, b: 100, c: 200 });
  });

  it('takes a backup only while no primary is bound, and waits on a primary when nothing is', () => {
    const choose = createLinkChooser<Choosable>();
    const p = link('p', 0);
    const x = link('x');
    const y = link('y');
    expect(count(Array.from({ length: 10 }, () => choose([p], undefined, [x, y])))).toEqual({ x: 5, y: 5 });
    p.boundCount = 1;
    expect(count(Array.from({ length: 10 }, () => choose([p], undefined, [x, y])))).toEqual({ p: 10 });
    p.boundCount = 0;
    x.boundCount = 0;
    y.boundCount = 0;
    expect(choose([p], undefined, [x, y])).toBe(p); // nothing bound: wait on the primary
    expect(choose([undefined], undefined, [x])).toBe(x);
  });
});
