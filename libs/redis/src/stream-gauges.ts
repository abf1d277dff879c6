import type { Redis } from './redis-client';
import type { Gauge } from 'prom-client';

/**
 * Keeps stream length and group pending counts in gauges, refreshed every `intervalMs`
 * (cheap: one XLEN and one XPENDING summary per stream).
 */
export function watchStreams(
  redis: Redis,
  streams: () => Array<{ stream: string; group: string }>,
  gauges: { length: Gauge<'stream'>; pending: Gauge<'stream'> },
  intervalMs = 5_000,
): () => void {
  const tick = async () => {
    for (const { stream, group } of streams()) {
      try {
        const [len, pending] = await Promise.all([
          redis.xlen(stream),
          redis.xpending(stream, group) as Promise<[number, ...unknown[]]>,
        ]);
        gauges.length.set({ stream }, len);
        gauges.pending.set({ stream }, Number(pending[0]));
      } catch {
        // no group yet, or Redis away: the gauges keep their last value
      }
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}
