import { groupBacklog, type Redis } from '@smsgw/redis';

export interface BacklogBound {
  stream: string;
  max: number;
  /** Count what this consumer group has not acknowledged (lag + pending); absent: the stream length. */
  group?: string;
}

/**
 * Watches the streams ingress must not overfill — `in` (what the policy-worker has not taken)
 * and the journal (what the exporter has not exported, e.g. while S3 is away) — without a Redis
 * call per submit: refreshed every `intervalMs`. Over any bound, submits get ESME_RMSGQFUL.
 */
export function createBacklogMonitor(redis: Redis, bounds: BacklogBound[], intervalMs = 250) {
  const over = new Map<string, boolean>();
  const timer = setInterval(() => {
    for (const b of bounds) {
      groupBacklog(redis, b.stream, b.group).then(
        (n) => over.set(b.stream, n >= b.max),
        () => undefined, // Redis away: submits fail on XADD and get ESME_RMSGQFUL there
      );
    }
  }, intervalMs);
  timer.unref();
  return {
    full: () => [...over.values()].some(Boolean),
    /** The stream that is over its bound, if any (for logs). */
    fullStream: () => [...over.entries()].find(([, v]) => v)?.[0],
    stop: () => clearInterval(timer),
  };
}
