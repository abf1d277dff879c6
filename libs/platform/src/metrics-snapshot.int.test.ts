import { describe, expect, it } from 'vitest';
import { Counter, Histogram } from 'prom-client';
import { redisNamespace } from '@smsgw/testing';
import { createMetricsRegistry } from './http-server';
import { createLogJournal } from './log-journal';
import { startMetricsSnapshots } from './metrics-snapshot';

describe('metrics snapshots to the journal (real Redis)', () => {
  it('writes what /metrics shows as one `metrics` record per snapshot, zero buckets left out', async () => {
    const ns = await redisNamespace('metrics-snap');
    try {
      const stream = `${ns.prefix}:journal`;
      const registry = createMetricsRegistry('sender');
      const sent = new Counter({ name: 'smsgw_test_sent_total', help: 'sent', labelNames: ['peer'], registers: [registry] });
      const rtt = new Histogram({ name: 'smsgw_test_rtt_seconds', help: 'rtt', buckets: [0.01, 0.1, 1], registers: [registry] });
      sent.inc({ peer: 'op1' }, 7);
      rtt.observe(0.05);
      const journal = createLogJournal({ redis: { url: ns.url }, stream, app: 'sender', instance: 'sender-1', flushMs: 50 });
      let t = 1_700_000_000_000;
      const snaps = startMetricsSnapshots({ registry, sink: journal, app: 'sender', instance: 'sender-1', everyMs: 0, now: () => t });
      await snaps.snapshot();
      t += 60_000;
      sent.inc({ peer: 'op1' });
      await snaps.snapshot();
      await snaps.close();
      await journal.close();
      const recs = ((await ns.redis.xrange(stream, '-', '+')) as [string, string[]][]).flatMap(([, f]) => JSON.parse(f[1]!)) as Array<Record<string, any>>;
      expect(recs.map((r) => [r.ev, r.app, r.instance, r.eid, r.ts])).toEqual([
        ['metrics', 'sender', 'sender-1', 'metrics:sender-1:1700000000000', 1_700_000_000_000],
        ['metrics', 'sender', 'sender-1', 'metrics:sender-1:1700000060000', 1_700_000_060_000],
      ]);
      const metric = (r: Record<string, any>, name: string) => (r.metrics as Array<{ name: string; type: string; values: Array<{ value: number; labels: Record<string, string>; metricName?: string }> }>).find((m) => m.name === name)!;
      expect(metric(recs[0]!, 'smsgw_test_sent_total')).toMatchObject({ type: 'counter', values: [{ value: 7, labels: { peer: 'op1' } }] });
      expect(metric(recs[1]!, 'smsgw_test_sent_total').values[0]!.value).toBe(8);
      // 0.05 s: the 0.01 bucket is still 0 and left out; 0.1, 1 and +Inf hold it.
      const buckets = metric(recs[0]!, 'smsgw_test_rtt_seconds').values.filter((v) => v.metricName === 'smsgw_test_rtt_seconds_bucket').map((v) => v.labels.le);
      expect(buckets).toEqual([0.1, 1, '+Inf']);
      // The app's default series (process CPU, memory) come along.
      expect(recs[0]!.metrics.some((m: { name: string }) => m.name.startsWith('process_'))).toBe(true);
    } finally {
      await ns.cleanup();
    }
  });
});
