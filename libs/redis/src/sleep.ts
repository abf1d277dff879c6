/** Sleeps `ms` (at most a day at a time), or less when `signal` aborts: waits a stopping app cuts short. */
export function sleepUnless(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, Math.max(0, Math.min(ms, 86_400_000)));
    signal?.addEventListener('abort', done, { once: true });
  });
}
