/** One sample of a soak run: every process' resident memory (bytes) and the streams' lengths. */
export interface MemorySample {
  at: number;
  rss: Record<string, number>;
  streams: Record<string, number>;
}

export interface MemoryReport {
  /** RSS per process (MiB) at each sample, in time order. */
  rssMiB: Record<string, number[]>;
  /** Stream lengths at each sample. */
  streams: Record<string, number[]>;
  /** Each process' last RSS over its RSS at the reference sample (the first one after `afterMs`). */
  growth: Record<string, number>;
  /** Every process within `tolerance` of its reference: memory is flat. */
  flat: boolean;
}

const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

/**
 * The samples of a soak run and the check (#14): every process ends within 10% of its
 * RSS after the first minute. The reference is the first sample at least `afterMs` after the
 * first one, so start-up and the first warm-up are not counted as growth.
 */
export function memorySeries() {
  const samples: MemorySample[] = [];
  return {
    add: (s: MemorySample) => void samples.push(s),
    last: (): MemorySample | undefined => samples[samples.length - 1],
    report(afterMs: number, tolerance: number): MemoryReport {
      const procs = [...new Set(samples.flatMap((s) => Object.keys(s.rss)))];
      const names = [...new Set(samples.flatMap((s) => Object.keys(s.streams)))];
      const first = samples[0]?.at ?? 0;
      const ref = samples.find((s) => s.at - first >= afterMs) ?? samples[samples.length - 1];
      const last = samples[samples.length - 1];
      const growth: Record<string, number> = {};
      for (const p of procs) {
        const r = ref?.rss[p] ?? 0;
        growth[p] = r > 0 ? Math.round(((last?.rss[p] ?? 0) / r) * 1000) / 1000 : 0;
      }
      return {
        rssMiB: Object.fromEntries(procs.map((p) => [p, samples.map((s) => mib(s.rss[p] ?? 0))])),
        streams: Object.fromEntries(names.map((n) => [n, samples.map((s) => s.streams[n] ?? 0)])),
        growth,
        flat: procs.every((p) => growth[p]! > 0 && Math.abs(growth[p]! - 1) <= tolerance),
      };
    },
  };
}
