import type { Redis } from '@smsgw/redis';

/**
 * Watches the length of `in` (acknowledged entries are trimmed by the consumers, so its length
 * is what waits) without a Redis call per submit: refreshed every `intervalMs`.
 */
export function createBacklogMonitor(redis: Redis, stream: string, max: number, intervalMs = 250) {
  let length = 0;
  const timer = setInterval(() => {
    redis.xlen(stream).then(
      (n) => (length = n),
      () => undefined, // Redis away: submits fail on XADD and get ESME_RMSGQFUL there
    );
  }, intervalMs);
  timer.unref();
  return {
    full: () => length >= max,
    stop: () => clearInterval(timer),
    get length() {
      return length;
    },
  };
}
