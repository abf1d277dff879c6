/**
 * Groups the calls made in one turn of the event loop by a key and hands each group to `flush`
 * at once (setImmediate): the submits a client pipelines, or the hand-offs of one sender batch,
 * become one Redis script per client instead of one per message. `flush` answers one result per
 * item, in order; a throw fails every item of its group. A lone call waits at most until the
 * current macrotask ends — or, with `lingerMs`, that long after the first call of a group of
 * calls (those made meanwhile join it): below saturation, where each turn has one call, fewer
 * and larger groups for a little latency.
 */
export function createTickBatch<I, R>(flush: (key: string, items: I[]) => Promise<R[]>, maxBatch = 500, lingerMs = 0): (key: string, item: I) => Promise<R> {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be an integer ≥ 1, got ${maxBatch}`);
  if (!Number.isInteger(lingerMs) || lingerMs < 0) throw new RangeError(`lingerMs must be an integer ≥ 0, got ${lingerMs}`);
  type Waiter = { item: I; resolve: (r: R) => void; reject: (e: unknown) => void };
  let groups = new Map<string, Waiter[]>();
  let scheduled = false;

  const send = (key: string, batch: Waiter[]) => {
    let out: Promise<R[]>;
    try {
      out = flush(key, batch.map((w) => w.item));
    } catch (err) {
      out = Promise.reject(err);
    }
    out.then(
      (results) => {
        batch.forEach((w, i) => {
          if (i < results.length) w.resolve(results[i]!);
          else w.reject(new Error(`batch answered ${results.length} results for ${batch.length} items`));
        });
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err);
      },
    );
  };

  const drain = () => {
    scheduled = false;
    const due = groups;
    groups = new Map();
    for (const [key, waiters] of due) {
      for (let i = 0; i < waiters.length; i += maxBatch) send(key, waiters.slice(i, i + maxBatch));
    }
  };

  return (key, item) =>
    new Promise<R>((resolve, reject) => {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push({ item, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        if (lingerMs > 0) setTimeout(drain, lingerMs);
        else setImmediate(drain);
      }
    });
}
