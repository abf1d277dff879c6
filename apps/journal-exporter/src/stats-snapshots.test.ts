import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildSnapshot, createStatsSnapshots } from './stats-snapshots';

describe('buildSnapshot', () => {
  it('lists the counts and sums final states per client and SMSC', () => {
    const counts = new Map([
      ['["acme","sim","final","DELIVERED"]', 7],
      ['["acme","sim","final","UNDELIVERABLE"]', 1],
      ['["beta","sim2","final","DELIVERED"]', 2],
      ['["acme",null,"accepted",null]', 8],
    ]);
    const s = buildSnapshot(Date.UTC(2024, 2, 1, 7, 55), 5, 18, counts);
    expect(s).toMatchObject({ v: 1, from: '2024-03-01T07:55:00.000Z', to: '2024-03-01T08:00:00.000Z', minutes: 5, records: 18 });
    expect(s.counts).toContainEqual({ sys: 'acme', smsc: null, ev: 'accepted', state: null, n: 8 });
    expect(s.finalByClient).toEqual({ acme: { DELIVERED: 7, UNDELIVERABLE: 1 }, beta: { DELIVERED: 2 } });
    expect(s.finalBySmsc).toEqual({ sim: { DELIVERED: 7, UNDELIVERABLE: 1 }, sim2: { DELIVERED: 2 } });
  });
});

describe('createStatsSnapshots', () => {
  it('writes a period once it and its grace are over, and marks it', async () => {
    const p0 = Date.UTC(2024, 2, 1, 7, 55);
    const due = new Set([p0]);
    const puts: string[] = [];
    let now = p0 + 5 * 60_000 + 59_999;
    const snaps = createStatsSnapshots({
      ledger: {
        duePeriods: async (before) => [...due].filter((p) => p < before),
        readStats: async () => ({ total: 1, counts: new Map([['["a",null,"accepted",null]', 1]]) }),
        markSnapshot: async (p) => due.delete(p),
      },
      putJson: async (key) => void puts.push(key),
      minutes: 5,
      graceMs: 60_000,
      logger: pino({ level: 'silent' }),
      now: () => now,
    });
    expect(await snaps.tick()).toBe(0); // grace not over
    now += 1;
    expect(await snaps.tick()).toBe(1);
    expect(puts).toEqual(['stats/v1/dt=2024-03-01/hour=07/20240301T0755Z-5m.json']);
    expect(await snaps.tick()).toBe(0);
  });
});
