import type { CommandGate } from './command-gate';

/** The outcome of one item of a flushed batch. */
export type ItemResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface CoalescerOptions<I, R> {
  /** Sends one batch; answers one result per item, in order. A throw fails every item. */
  flush: (items: I[]) => Promise<ItemResult<R>[]>;
  /** Items per batch command; more queued items become several commands. */
  maxBatch: number;
  /** Every batch command runs through the gate (the process-wide bound on commands in flight). */
  gate: CommandGate;
  /**
   * Items with the same key never share a batch command (two writes to one record inside one
   * batch contend for its lock on the server): a repeat goes into another command.
   */
  keyOf?: (item: I) => string;
}

interface Pending<I, R> {
  item: I;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Turns single-record calls made in the same turn of the event loop into one batch command
 * (DataLoader's idea): the handlers of a read batch each ask for their record, and the store
 * sends one batch read or write for all of them. A call waits at most until the current
 * macrotask ends (setImmediate), so a lone call costs no extra latency worth the name.
 */
export function createCoalescer<I, R>(o: CoalescerOptions<I, R>): (item: I) => Promise<R> {
  if (!Number.isInteger(o.maxBatch) || o.maxBatch < 1) throw new RangeError(`maxBatch must be an integer ≥ 1, got ${o.maxBatch}`);
  let queue: Pending<I, R>[] = [];
  let scheduled = false;

  const send = async (batch: Pending<I, R>[]) => {
    let results: ItemResult<R>[];
    try {
      results = await o.gate.run(() => o.flush(batch.map((p) => p.item)));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i];
      if (!r) p.reject(new Error(`batch answered ${results.length} results for ${batch.length} items`));
      else if (r.ok) p.resolve(r.value);
      else p.reject(r.error);
    });
  };

  const drain = () => {
    scheduled = false;
    let rest = queue;
    queue = [];
    while (rest.length) {
      const batch: Pending<I, R>[] = [];
      const later: Pending<I, R>[] = [];
      const keys = new Set<string>();
      for (const p of rest) {
        const k = o.keyOf?.(p.item);
        if (batch.length >= o.maxBatch || (k !== undefined && keys.has(k))) later.push(p);
        else {
          if (k !== undefined) keys.add(k);
          batch.push(p);
        }
      }
      void send(batch);
      rest = later;
    }
  };

  return (item: I) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(drain);
      }
    });
}
