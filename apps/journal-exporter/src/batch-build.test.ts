import { describe, expect, it } from 'vitest';
import { buildBatch, compareIds, countForStats, type BuiltObject } from './batch-build';

const T = Date.UTC(2024, 2, 1, 7, 59, 59, 0);
/** The records an object holds, read back from its NDJSON. */
const recs = (o: BuiltObject) => Buffer.concat(o.ndjson).toString('utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown> & { eid: string });
const acc = (id: string, ts = T) => ({ ts, ev: 'accepted', id, sys: 'acme' });
const fin = (id: string, ts = T) => ({ ts, ev: 'final', id, sys: 'acme', smsc: 'sim', state: 'DELIVERED' });

describe('compareIds', () => {
  it('orders stream ids numerically, not as text', () => {
    expect(['10-0', '9-1', '9-0', '10-10', '10-2'].sort(compareIds)).toEqual(['9-0', '9-1', '10-0', '10-2', '10-10']);
  });

  it('answers as the split-based comparison it replaced, odd ids included', () => {
    const reference = (a: string, b: string): number => {
      const [am, as = '0'] = a.split('-');
      const [bm, bs = '0'] = b.split('-');
      if (am.length !== bm.length) return am.length - bm.length;
      if (am !== bm) return am < bm ? -1 : 1;
      if (as.length !== bs.length) return as.length - bs.length;
      return as === bs ? 0 : as < bs ? -1 : 1;
    };
    const ids = ['0-0', '0-1', '9-0', '10-0', '10-10', '10-2', '1709279999000-0', '1709279999000-12', '1709279999001-3', '7', '10', '5-', '5-0', '5-0-9', '5-1-0', '', '-', '-3', 'a-b', '1-99999999999999999999'];
    for (const a of ids) for (const b of ids) expect(compareIds(a, b), `${a} vs ${b}`).toBe(reference(a, b));
  });
});

describe('buildBatch', () => {
  it('gives the same objects whatever order the entries come in', () => {
    const entries = [
      { id: '2-0', data: [acc('b'), fin('a', T + 2_000)], size: 10 },
      { id: '1-0', data: [acc('a')], size: 5 },
      { id: '3-0', data: { ts: T, ev: 'routed', id: 'a' }, size: 5 },
    ];
    const a = buildBatch(entries);
    const b = buildBatch([...entries].reverse());
    expect(b).toEqual(a);
    expect(a.ids).toEqual(['1-0', '2-0', '3-0']);
    expect(a.range).toEqual({ first: '1-0', last: '3-0' });
    // proxy 07h, proxy 08h (the final crossed the hour), mcp 07h: one object each.
    expect(a.objects.map((o) => [o.group, recs(o).map((r) => r.eid)])).toEqual([
      ['events|proxy|2024-03-01T07', ['a:accepted:0:0', 'b:accepted:0:0']],
      ['events|proxy|2024-03-01T08', ['a:final:0:0']],
      ['events|mcp|2024-03-01T07', ['a:routed:0:0']],
    ]);
    expect(a.objects[1].at.toISOString()).toBe('2024-03-01T08:00:01.000Z');
  });

  it('puts operational records in their own `logs` objects: the policy-worker\'s in mcp, the others in proxy', () => {
    const log = (app: string, n: number) => ({ ts: T + n, ev: 'log', app, level: 40, msg: 'x', eid: `log:${app}:${n}` });
    const built = buildBatch([{ id: '1-0', data: [acc('a'), log('sender', 1), log('policy-worker', 2), log('sender', 3)], size: 1 }]);
    expect(built.objects.map((o) => [o.kind, o.bucket, recs(o).length])).toEqual([
      ['events', 'proxy', 1],
      ['logs', 'proxy', 2],
      ['logs', 'mcp', 1],
    ]);
    expect(countForStats(built.objects, 60_000).get(Math.floor(T / 60_000) * 60_000)?.size).toBe(1); // logs are not counted
  });

  it('puts audit records of the admin API in their own `audit` objects in mcp, not counted in statistics', () => {
    const audit = (n: number) => ({ ts: T + n, ev: 'audit', eid: `audit:${n}`, who: 'ops-alice', role: 'operator', action: 'dead_letter.replay', target: 'dead:1-0', after: { stream: 's:in' } });
    const built = buildBatch([{ id: '1-0', data: [acc('a'), audit(1), audit(2)], size: 1 }]);
    expect(built.objects.map((o) => [o.kind, o.bucket, recs(o).map((r) => r.eid)])).toEqual([
      ['events', 'proxy', ['a:accepted:0:0']],
      ['audit', 'mcp', ['audit:1', 'audit:2']],
    ]);
    expect(recs(built.objects[1]!)[0]).toMatchObject({ app: 'admin', who: 'ops-alice', after: { stream: 's:in' } });
    expect(built.malformed).toBe(0);
    const counts = countForStats(built.objects, 60_000).get(Math.floor(T / 60_000) * 60_000)!;
    expect([...counts.keys()]).toEqual(['["acme",null,"accepted",null]']);
  });

  it('puts metrics snapshots in their own `metrics` objects in proxy, not counted in statistics', () => {
    const snap = (app: string, n: number) => ({ ts: T + n, ev: 'metrics', app, instance: `${app}-1`, eid: `metrics:${app}-1:${T + n}`, metrics: [{ name: 'x_total', type: 'counter', values: [{ value: n, labels: {} }] }] });
    const built = buildBatch([{ id: '1-0', data: [acc('a'), snap('sender', 1), snap('ingress', 2), snap('sender', 1)], size: 1 }]);
    expect(built.objects.map((o) => [o.kind, o.bucket, recs(o).map((r) => r.eid)])).toEqual([
      ['events', 'proxy', ['a:accepted:0:0']],
      ['metrics', 'proxy', [`metrics:sender-1:${T + 1}`, `metrics:ingress-1:${T + 2}`]],
    ]);
    expect(recs(built.objects[1]!)[0]).toMatchObject({ v: 1, app: 'sender', instance: 'sender-1', metrics: [{ name: 'x_total', values: [{ value: 1 }] }] });
    expect(built.malformed).toBe(0);
    expect([...countForStats(built.objects, 60_000).get(Math.floor(T / 60_000) * 60_000)!.keys()]).toEqual(['["acme",null,"accepted",null]']);
  });

  it('drops a repeated event id within the batch and skips foreign entries', () => {
    const built = buildBatch([
      { id: '1-0', data: [acc('a'), fin('a')], size: 1 },
      { id: '2-0', data: [acc('a'), { nope: 1 }], size: 1 }, // a stage redelivered `accepted`
      { id: '3-0', data: undefined, size: 1 },
    ]);
    expect(built.records).toBe(2);
    expect(built.repeats).toBe(1);
    expect(built.malformed).toBe(2);
    expect(built.ids).toEqual(['1-0', '2-0', '3-0']); // all acked with the batch
  });
});

describe('buildBatch and record times', () => {
  it('files records by the UTC hour their time falls in, on both sides of each hour', () => {
    const H = Date.UTC(2024, 2, 1, 8);
    const times = [H - 1, H, H - 0.5, H + 3_599_999, H + 3_600_000, H - 1, H + 7_200_000.75];
    const built = buildBatch([{ id: '1-0', data: times.map((ts, i) => ({ ts, ev: 'accepted', id: `m${i}` })), size: 1 }]);
    expect(built.objects.map((o) => [o.group, recs(o).map((r) => r.id)])).toEqual([
      ['events|proxy|2024-03-01T07', ['m0', 'm2', 'm5']],
      ['events|proxy|2024-03-01T08', ['m1', 'm3']],
      ['events|proxy|2024-03-01T09', ['m4']],
      ['events|proxy|2024-03-01T10', ['m6']],
    ]);
  });

  it('gives each record the hour Date gives its time, whatever order times come in', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const H = Date.UTC(2024, 2, 1, 8);
    // Runs within an hour, jumps across hours and days, fractions, and times before the epoch.
    const times = Array.from({ length: 2_000 }, (_, i) =>
      i % 97 < 6 ? -rand() * 2 * 3_600_000 - (i % 2 ? 0.5 : 0) : H + Math.floor(i / 50) * 1_234_567 + (rand() - 0.5) * 7_200_000 + (i % 3 ? 0 : 0.5));
    times.push(-1_000, -0.5, -2_000, -0.25, 0, -0.75, 3_599_999.5, 3_600_000); // Date cuts the fraction off: -0.5 is 00:00
    const built = buildBatch([{ id: '1-0', data: times.map((ts, i) => ({ ts, ev: 'accepted', id: `m${i}` })), size: 1 }]);
    const hourOfRecord = new Map(built.objects.flatMap((o) => recs(o).map((r) => [r.id, o.group.split('|')[2]] as const)));
    times.forEach((ts, i) => expect(hourOfRecord.get(`m${i}`), String(ts)).toBe(new Date(ts).toISOString().slice(0, 13)));
  });

  it('skips a record whose time no Date holds, as a foreign entry, and builds the rest of the batch', () => {
    for (const ts of [8.64e15 + 2, -8.64e15 - 2, 1e20, Infinity, NaN]) {
      const built = buildBatch([{ id: '1-0', data: [acc('a'), { ts, ev: 'accepted', id: 'b' }], size: 1 }, { id: '2-0', data: fin('a'), size: 1 }]);
      expect([built.malformed, built.records], String(ts)).toEqual([1, 2]);
      expect(built.objects.flatMap(recs).map((r) => r.id)).toEqual(['a', 'a']);
    }
    expect(buildBatch([{ id: '1-0', data: [{ ts: 8.64e15, ev: 'accepted', id: 'b' }], size: 1 }]).objects[0].group).toBe('events|proxy|+275760-09-13'); // toISOString's six-digit year, sliced as ever
  });
});

describe('countForStats', () => {
  it('counts per period and client/SMSC/event/state', () => {
    const built = buildBatch([{ id: '1-0', data: [acc('a'), fin('a'), fin('b', T + 1)], size: 1 }]);
    const stats = countForStats(built.objects, 5 * 60_000);
    const period = Date.UTC(2024, 2, 1, 7, 55);
    expect([...stats.keys()]).toEqual([period]);
    expect(Object.fromEntries(stats.get(period)!)).toEqual({
      '["acme",null,"accepted",null]': 1,
      '["acme","sim","final","DELIVERED"]': 2,
    });
    expect(countForStats(built.objects, 0).size).toBe(0);
  });
});
