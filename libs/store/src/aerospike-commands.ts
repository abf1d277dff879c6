import * as Aerospike from 'aerospike';
import { AS_STATUS, errorCode, isRetryable, mapWriteError } from './aerospike-layout';
import { createCoalescer, type ItemResult } from './coalescer';
import { createCommandGate, type CommandGate } from './command-gate';

type Bins = Record<string, unknown>;
type Op = Aerospike.operations.Operation;

/** How the store talks to the cluster: bounds, batching and retries (`state.aerospike`). */
export interface AerospikeCommandOptions {
  /** Total time of one command (a batch counts as one), the client's own retries included. */
  timeoutMs: number;
  /** Store commands in flight per process; must not exceed maxConnsPerNode. */
  maxCommandsInFlight: number;
  /** Records per batch command. */
  maxBatch: number;
  /** Attempts after the first for a transient error, with backoff from retryMinMs doubling to retryMaxMs. */
  retries: number;
  retryMinMs: number;
  retryMaxMs: number;
  /** Records written get this TTL (-1: never expire). */
  ttl: number;
  namespace: string;
  ttlSeconds: number;
}

/** Hooks for metrics: a command failed transiently and goes again, or failed for good. */
export interface StoreObserver {
  retried?(code: number | undefined): void;
  failed?(code: number | undefined): void;
}

export interface WriteSpec {
  key: Aerospike.Key;
  ops: Op[];
  /** 'create': only if the record does not exist (RECORD_EXISTS otherwise). */
  exists?: 'create';
  /** Only if this expression (base64, see `compiled`) holds on the record (FILTERED_OUT otherwise). */
  filter?: string;
}

/** What one process keeps of the store's health: failures in a row, and the latest. */
export interface StoreHealth {
  consecutiveFailures: number;
  lastFailure?: { at: number; message: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exp = Aerospike.exp;
/** A record's identity within the namespace, for telling two commands on one record apart. */
const recordId = (key: Aerospike.Key) => `${key.set}\u0000${String(key.key)}`;

/** An error carrying the per-record status of a batch answer, like the client's own errors. */
function recordError(status: number, inDoubt: boolean): Error {
  return Object.assign(new Error(`Aerospike record status ${status}`), { code: status, inDoubt });
}

/**
 * The command layer of the Aerospike store. Single-record reads and the unconditional writes
 * made in one turn of the event loop go out as one batchRead / batchWrite; every command — batch
 * or single — passes one gate that keeps this process within its share of the connection pool;
 * transient errors are retried here with a short backoff instead of leaving a stream entry
 * pending until a reclaim cycle.
 */
export function createAerospikeCommands(client: Aerospike.Client, o: AerospikeCommandOptions, observer: StoreObserver = {}) {
  const gate: CommandGate = createCommandGate(o.maxCommandsInFlight);
  const t = { totalTimeout: o.timeoutMs, socketTimeout: o.timeoutMs };
  const batchPolicy = new Aerospike.BatchPolicy({ ...t });
  const genPolicy = new Aerospike.OperatePolicy({ ...t, gen: Aerospike.policy.gen.EQ });
  const health: StoreHealth = { consecutiveFailures: 0 };

  const settle = <R>(results: Aerospike.BatchResult[], value: (r: Aerospike.BatchResult) => R, absentOk: boolean): ItemResult<R>[] =>
    results.map((r) => {
      if (r.status === AS_STATUS.RECORD_NOT_FOUND && absentOk) return { ok: true, value: value(r) };
      if (r.status !== 0) return { ok: false, error: recordError(Number(r.status), r.inDoubt) };
      return { ok: true, value: value(r) };
    });

  const batchRead = createCoalescer<{ key: Aerospike.Key; bins?: readonly string[] }, { bins: Bins; gen: number } | null>({
    gate,
    maxBatch: o.maxBatch,
    flush: async (reads) => {
      const records = reads.map(({ key, bins }) => (bins ? { key, bins: [...bins] } : { key, readAllBins: true }));
      const res = await client.batchRead(records, batchPolicy);
      return settle(res, (r) => (r.status === 0 ? { bins: r.record.bins as Bins, gen: r.record.gen ?? 0 } : null), true);
    },
  });

  const writePolicies = {
    update: { ttl: o.ttl },
    create: { ttl: o.ttl, exists: Aerospike.policy.exists.CREATE },
    // A conditional write never creates the record (RECORD_NOT_FOUND instead).
    existing: { ttl: o.ttl, exists: Aerospike.policy.exists.UPDATE },
  };
  const batchWrite = createCoalescer<WriteSpec, void>({
    gate,
    maxBatch: o.maxBatch,
    keyOf: (w) => recordId(w.key),
    flush: async (writes) => {
      const records = writes.map((w) => ({
        type: Aerospike.batchType.BATCH_WRITE,
        key: w.key,
        ops: w.ops,
        policy: w.exists === 'create'
          ? writePolicies.create
          : w.filter
            ? { ...writePolicies.existing, filterExpression: w.filter }
            : writePolicies.update,
      }));
      const res = await client.batchWrite(records, batchPolicy);
      return settle(res, () => undefined, false);
    },
  });

  // Counters: the increments of one turn are summed per record and bin, so a batch of receipts
  // for one (day, client, smsc) costs one record write, not one per receipt.
  const batchIncrement = createCoalescer<{ key: Aerospike.Key; bin: string }, void>({
    gate,
    maxBatch: o.maxBatch,
    flush: async (items) => {
      const byKey = new Map<string, { key: Aerospike.Key; bins: Map<string, number>; at: number }>();
      const slot: number[] = [];
      for (const { key, bin } of items) {
        const k = recordId(key);
        let g = byKey.get(k);
        if (!g) byKey.set(k, (g = { key, bins: new Map(), at: byKey.size }));
        g.bins.set(bin, (g.bins.get(bin) ?? 0) + 1);
        slot.push(g.at);
      }
      const records = [...byKey.values()].map((g) => ({
        type: Aerospike.batchType.BATCH_WRITE,
        key: g.key,
        ops: [...g.bins].map(([bin, n]) => Aerospike.operations.incr(bin, n)),
        policy: writePolicies.update,
      }));
      const res = settle(await client.batchWrite(records, batchPolicy), () => undefined, false);
      return slot.map((i) => res[i]!);
    },
  });

  // A filter given as an expression is compiled for every record of a batch (~80 µs each in the
  // client); in base64 it is only decoded. Version checks use few values: each is compiled once.
  const versionFilters = new Map<string, string>();
  const versionFilter = (bin: string, value: number): string => {
    const k = `${bin}=${value}`;
    let f = versionFilters.get(k);
    if (f === undefined) {
      if (versionFilters.size > 10_000) versionFilters.clear();
      f = client.expressionToBase64(exp.eq(exp.binInt(bin), exp.int(value)));
      versionFilters.set(k, f);
    }
    return f;
  };

  /** Runs fn, retrying transient errors; the final error is mapped (nsup-period advice). */
  async function withRetry<T>(fn: () => Promise<T>, idempotent: boolean, answers: readonly number[] = []): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const v = await fn();
        health.consecutiveFailures = 0;
        return v;
      } catch (err) {
        const code = errorCode(err);
        // RECORD_EXISTS, GENERATION, … are answers the caller acts on, not failures.
        if (code !== undefined && answers.includes(code)) {
          health.consecutiveFailures = 0;
          throw err;
        }
        if (attempt < o.retries && isRetryable(err, idempotent)) {
          observer.retried?.(code);
          await sleep(Math.min(o.retryMaxMs, o.retryMinMs * 2 ** attempt) * (0.5 + Math.random()));
          continue;
        }
        health.consecutiveFailures++;
        health.lastFailure = { at: Date.now(), message: (err as Error)?.message ?? String(err) };
        observer.failed?.(code);
        throw mapWriteError(err, o.namespace, o.ttlSeconds);
      }
    }
  }

  /** A write only where `filter` holds (a server-side condition: no read first); FILTERED_OUT and RECORD_NOT_FOUND reach the caller. */
  const writeIf = (key: Aerospike.Key, ops: Op[], filter: string) =>
    withRetry(() => batchWrite({ key, ops, filter }), false, [AS_STATUS.FILTERED_OUT, AS_STATUS.RECORD_NOT_FOUND]);

  return {
    health,
    /** The record (only `bins` when given: less to decode), or null when absent. */
    read: (key: Aerospike.Key, bins?: readonly string[]) => withRetry(() => batchRead({ key, bins }), true),
    /** An unconditional write (idempotent ops only: writes and map puts, no increments). */
    write: (w: WriteSpec) => withRetry(() => batchWrite(w), true),
    /** Create-if-absent: true when created, false when the record existed. */
    async create(w: Omit<WriteSpec, 'exists'>): Promise<boolean> {
      try {
        // Not repeated when in doubt: a repeat would answer "existed" for our own write.
        await withRetry(() => batchWrite({ ...w, exists: 'create' }), false, [AS_STATUS.RECORD_EXISTS]);
        return true;
      } catch (err) {
        if (errorCode(err) === AS_STATUS.RECORD_EXISTS) return false;
        throw err;
      }
    },
    /** Adds 1 to a counter bin: merged per turn, never repeated when in doubt (no double count). */
    increment: (key: Aerospike.Key, bin: string) => withRetry(() => batchIncrement({ key, bin }), false),
    /**
     * A write under a version check (compare-and-set on a version bin the ops increment): batched
     * like any write; FILTERED_OUT (the version moved) and RECORD_NOT_FOUND reach the caller.
     */
    writeIfVersion: (key: Aerospike.Key, ops: Op[], bin: string, value: number) => writeIf(key, ops, versionFilter(bin, value)),
    /** An expression in the wire form a write's filter takes (compile once, use for every record). */
    compiled: (e: Aerospike.AerospikeExp): string => client.expressionToBase64(e),
    writeIf,
    /** A write under a generation check: GENERATION_ERROR and RECORD_NOT_FOUND reach the caller. */
    operateIfGen: (key: Aerospike.Key, ops: Op[], gen: number) =>
      withRetry(
        () => gate.run(() => client.operate(key, ops, { ttl: o.ttl, gen }, genPolicy)),
        false,
        [AS_STATUS.RECORD_GENERATION, AS_STATUS.RECORD_NOT_FOUND],
      ),
  };
}

export type AerospikeCommands = ReturnType<typeof createAerospikeCommands>;
