import type { Registry } from 'prom-client';

/** Where snapshots go: the log journal's best-effort buffer (log-journal.ts). */
export interface SnapshotSink {
  record(entry: Record<string, unknown>): void;
}

export interface MetricsSnapshotOptions {
  registry: Registry;
  sink: SnapshotSink;
  app: string;
  instance: string;
  /** journal.metricsEveryMs; 0 = no snapshots. */
  everyMs: number;
  now?: () => number;
}

/**
 * One app process's metrics as a journal record (`ev: metrics`): each metric as prom-client
 * describes it, less the histogram buckets that are still 0 (absent reads as 0), so a snapshot
 * of an idle histogram costs a few bytes.
 */
export async function metricsSnapshot(registry: Registry): Promise<unknown[]> {
  const all = await registry.getMetricsAsJSON();
  return all.map((m) => ({
    name: m.name,
    type: String(m.type),
    help: m.help,
    // Copies: prom-client hands out its live sample objects, which later increments would change.
    values: m.values.filter((v) => !(v.value === 0 && (v as { metricName?: string }).metricName?.endsWith('_bucket'))).map((v) => ({ ...v, labels: { ...v.labels } })),
  }));
}

/**
 * Every `everyMs` a snapshot of the registry goes to the journal; the exporter writes them under
 * `metrics/v1/dt=…/hour=…/` in the proxy bucket, so analysts see the gateway's counters and
 * latencies over months without a Prometheus that keeps them. The event id names the instance
 * and the time: a snapshot exported twice is one record.
 */
export function startMetricsSnapshots(o: MetricsSnapshotOptions): { snapshot(): Promise<void>; close(): Promise<void> } {
  const now = o.now ?? Date.now;
  const snapshot = async () => {
    const ts = now();
    try {
      o.sink.record({ ts, ev: 'metrics', app: o.app, instance: o.instance, eid: `metrics:${o.instance}:${ts}`, metrics: await metricsSnapshot(o.registry) });
    } catch {
      // A collect callback that throws (a gauge reading a closed connection at shutdown): skip this one.
    }
  };
  const timer = o.everyMs > 0 ? setInterval(() => void snapshot(), o.everyMs) : undefined;
  timer?.unref();
  return {
    snapshot,
    close: async () => {
      if (timer) clearInterval(timer);
    },
  };
}
