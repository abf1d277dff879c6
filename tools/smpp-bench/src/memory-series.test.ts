import { describe, expect, it } from 'vitest';
import { memorySeries } from './memory-series';

const MiB = 2 ** 20;
const at = (s: number, rss: Record<string, number>, streams: Record<string, number> = {}) => ({ at: s * 1000, rss: Object.fromEntries(Object.entries(rss).map(([k, v]) => [k, v * MiB])), streams });

describe('soak memory series', () => {
  it('measures growth from the first sample a minute in, not from start-up', () => {
    const m = memorySeries();
    m.add(at(0, { ingress: 60, sender: 70 }, { in: 0 }));
    m.add(at(30, { ingress: 90, sender: 100 }, { in: 500 }));
    m.add(at(60, { ingress: 100, sender: 100 }, { in: 800 }));
    m.add(at(600, { ingress: 108, sender: 99 }, { in: 900 }));
    const r = m.report(60_000, 0.1);
    expect(r.growth).toEqual({ ingress: 1.08, sender: 0.99 });
    expect(r.flat).toBe(true);
    expect(r.rssMiB.ingress).toEqual([60, 90, 100, 108]);
    expect(r.streams.in).toEqual([0, 500, 800, 900]);
  });

  it('is not flat when one process grows past the tolerance, or vanished', () => {
    const grows = memorySeries();
    grows.add(at(0, { a: 50 }));
    grows.add(at(60, { a: 100 }));
    grows.add(at(600, { a: 115 }));
    expect(grows.report(60_000, 0.1)).toMatchObject({ growth: { a: 1.15 }, flat: false });
    const gone = memorySeries();
    gone.add(at(0, { a: 50 }));
    gone.add(at(60, { a: 100 }));
    gone.add(at(600, { a: 0 }));
    expect(gone.report(60_000, 0.1).flat).toBe(false);
  });
});
