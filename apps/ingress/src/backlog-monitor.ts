import { groupBacklog, type ClientBacklog, type Redis } from '@smsgw/redis';

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

export interface ClientBacklogMonitorOptions {
  /** clients[].maxBacklog of each client (read live: the caller may change it in place). */
  limits: ReadonlyMap<string, number>;
  intervalMs?: number;
  /** How often the missed removals of every client are swept (see createClientBacklog). */
  sweepEveryMs?: number;
  /** A client that has not submitted for this long is no longer polled (until its next submit). */
  idleMs?: number;
}

/**
 * Each client's own bound (clients[].maxBacklog): the clients that submitted lately have their
 * in-flight count polled every `intervalMs` (one pipelined ZCARD each), not read per submit.
 * A client over its bound gets ESME_RMSGQFUL while every other client keeps flowing; it may
 * overshoot by what it submits within one interval (its first submits after a pause go
 * through unchecked until the next poll).
 */
export function createClientBacklogMonitor(backlog: ClientBacklog, o: ClientBacklogMonitorOptions) {
  const intervalMs = o.intervalMs ?? 250;
  const idleMs = o.idleMs ?? 30_000;
  const counts = new Map<string, number>();
  const lastSeen = new Map<string, number>();
  let lastSweep = 0;
  let busy = false;
  const refresh = async () => {
    const now = Date.now();
    if (now - lastSweep >= (o.sweepEveryMs ?? 10_000)) {
      lastSweep = now;
      // Read each time: the map follows the run-time client registry.
      await backlog.sweep([...o.limits.keys()], now);
    }
    for (const [sys, at] of lastSeen) {
      if (now - at > idleMs) {
        lastSeen.delete(sys);
        counts.delete(sys); // stale by the time it submits again
      }
    }
    if (lastSeen.size) for (const [sys, n] of await backlog.counts([...lastSeen.keys()])) counts.set(sys, n);
  };
  const timer = setInterval(() => {
    if (busy) return; // Redis slow: one refresh at a time
    busy = true;
    refresh()
      .catch(() => undefined) // Redis away: submits fail on XADD and get ESME_RMSGQFUL there
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return {
    /** True while this client has more messages in flight than its maxBacklog. */
    full: (sys: string): boolean => {
      lastSeen.set(sys, Date.now());
      const max = o.limits.get(sys);
      return max !== undefined && (counts.get(sys) ?? 0) >= max;
    },
    stop: () => clearInterval(timer),
  };
}
