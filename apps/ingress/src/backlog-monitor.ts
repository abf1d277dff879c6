import { streamGroups, type Redis } from '@smsgw/redis';

export interface BacklogBound {
  stream: string;
  max: number;
  /** Count what this consumer group has not acknowledged (lag + pending); absent: the stream length. */
  group?: string;
}

/** Entries a group has still to handle: not yet delivered (lag) plus delivered and not acked. */
async function backlogOf(redis: Redis, b: BacklogBound): Promise<number> {
  if (b.group) {
    const g = (await streamGroups(redis, b.stream)).find((x) => x.name === b.group);
    // Redis 7.0 reports lag null when it cannot tell (after deletions): then the length bounds it.
    if (g && g.lag !== null) return g.lag + g.pending;
  }
  return redis.xlen(b.stream);
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
      backlogOf(redis, b).then(
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
