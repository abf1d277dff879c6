import * as Aerospike from 'aerospike';
import { canTransition, type MessageState } from '@smsgw/contracts';
import type { MessageRecord, PartFinalResult, StateStore } from './state-store';
import {
  AS_STATUS,
  CORR_BINS,
  MSG_BINS,
  STATS_BINS,
  STATS_SHARDS,
  aerospikeSets,
  corrKey,
  errorCode,
  parseMessageBins,
  partStatesOf,
  recordTtl,
  statsKey,
} from './aerospike-layout';
import { assertDay, assertFinalState, assertPartIndex } from './transition-rules';
import { createAerospikeCommands, type StoreObserver } from './aerospike-commands';

export interface AerospikeStateStoreOptions {
  /** Seed hosts, `host:port[,host:port…]`. */
  hosts: string;
  namespace: string;
  setPrefix?: string;
  /** Record TTL; 0 = never expire (needed when the namespace has no nsup-period). */
  ttlSeconds?: number;
  /** Total timeout of each command (a batch counts as one), the client's own retries included. */
  timeoutMs?: number;
  /** Time to open a connection. Default: timeoutMs. */
  connectTimeoutMs?: number;
  /** Async connections per node this client may open (the client's pool, default 100). */
  maxConnsPerNode?: number;
  /** Connections per node opened ahead of need (server `proto-fd-idle-ms` must keep them). */
  minConnsPerNode?: number;
  /** Store commands in flight per process, ≤ maxConnsPerNode (default: half of it). */
  maxCommandsInFlight?: number;
  /** Records per batch command (default 200). */
  maxBatch?: number;
  /** Retries of a transient error (pool full, timeout not in doubt, KEY_BUSY, node down). */
  retries?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Counts retried and failed commands (metrics). */
  observer?: StoreObserver;
  user?: string;
  password?: string;
  /**
   * Release the client's event loop in close() so the process can exit. After that no other
   * Aerospike client can be created in this process; set false when several stores share it.
   */
  releaseEventLoop?: boolean;
}

type Bins = Record<string, unknown>;
type Op = Aerospike.operations.Operation;

const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
/** Failed commands in a row (after their retries) that make the store report itself not ready. */
const UNHEALTHY_AFTER = 10;
// Each lost generation race means another writer made progress, so this bounds the wait only
// under pathological contention (far beyond the writers one message ever has).
const MAX_GEN_ATTEMPTS = 64;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = (base: number) => base + Math.random() * base;

/** The defaults of `state.aerospike` (libs/platform's schema repeats them for the config file). */
export const AEROSPIKE_DEFAULTS = {
  timeoutMs: 1_000,
  maxConnsPerNode: 100,
  minConnsPerNode: 0,
  maxBatch: 200,
  retries: 6,
  retryMinMs: 5,
  retryMaxMs: 500,
} as const;

export async function createAerospikeStateStore(opts: AerospikeStateStoreOptions): Promise<StateStore> {
  const ns = opts.namespace;
  const sets = aerospikeSets(opts.setPrefix ?? 'smsgw');
  const ttlSeconds = opts.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) throw new RangeError(`ttlSeconds must be an integer ≥ 0, got ${ttlSeconds}`);
  const ttl = recordTtl(ttlSeconds);
  const timeoutMs = opts.timeoutMs ?? AEROSPIKE_DEFAULTS.timeoutMs;
  const maxConnsPerNode = opts.maxConnsPerNode ?? AEROSPIKE_DEFAULTS.maxConnsPerNode;
  const maxCommandsInFlight = opts.maxCommandsInFlight ?? Math.max(1, Math.floor(maxConnsPerNode / 2));
  if (maxCommandsInFlight > maxConnsPerNode) {
    throw new RangeError(`maxCommandsInFlight (${maxCommandsInFlight}) must not exceed maxConnsPerNode (${maxConnsPerNode})`);
  }
  // A policy passed to a call replaces the configured default, so every policy carries the
  // timeouts itself.
  const t = { totalTimeout: timeoutMs, socketTimeout: timeoutMs };
  const config: Aerospike.ConfigOptions = {
    hosts: opts.hosts,
    connTimeoutMs: opts.connectTimeoutMs ?? timeoutMs,
    maxConnsPerNode,
    minConnsPerNode: opts.minConnsPerNode ?? AEROSPIKE_DEFAULTS.minConnsPerNode,
    policies: {
      read: new Aerospike.ReadPolicy({ ...t }),
      write: new Aerospike.WritePolicy({ ...t }),
      operate: new Aerospike.OperatePolicy({ ...t }),
      batch: new Aerospike.BatchPolicy({ ...t }),
    },
  };
  if (opts.user !== undefined) config.user = opts.user;
  if (opts.password !== undefined) config.password = opts.password;
  let client: Aerospike.Client;
  try {
    client = await Aerospike.connect(config);
  } catch (err) {
    throw new Error(`cannot connect to Aerospike at ${opts.hosts}: ${(err as Error).message}`, { cause: err });
  }
  const cmd = createAerospikeCommands(
    client,
    {
      timeoutMs,
      maxCommandsInFlight,
      maxBatch: opts.maxBatch ?? AEROSPIKE_DEFAULTS.maxBatch,
      retries: opts.retries ?? AEROSPIKE_DEFAULTS.retries,
      retryMinMs: opts.retryMinMs ?? AEROSPIKE_DEFAULTS.retryMinMs,
      retryMaxMs: opts.retryMaxMs ?? AEROSPIKE_DEFAULTS.retryMaxMs,
      ttl,
      namespace: ns,
      ttlSeconds,
    },
    opts.observer,
  );

  const msgKey = (id: string) => new Aerospike.Key(ns, sets.msg, id);
  const read = cmd.read;

  /**
   * Read-modify-write under a generation check: `decide` sees the record and returns the
   * operations to apply (none = nothing to do) and the answer to give once they are applied.
   * Losing the race to another writer (GENERATION_ERROR) re-reads and decides again. The reads
   * of concurrent calls share batch commands; the conditional write is one operate each.
   */
  async function readModifyWrite<R>(
    key: Aerospike.Key,
    absent: R,
    decide: (bins: Bins) => { ops?: Op[]; result: R },
  ): Promise<R> {
    for (let attempt = 0; attempt < MAX_GEN_ATTEMPTS; attempt++) {
      const rec = await read(key);
      if (rec === null) return absent;
      const { ops, result } = decide(rec.bins);
      if (!ops || ops.length === 0) return result;
      try {
        await cmd.operateIfGen(key, ops, rec.gen);
        return result;
      } catch (err) {
        const code = errorCode(err);
        if (code === AS_STATUS.RECORD_NOT_FOUND) return absent; // expired between read and write
        if (code !== AS_STATUS.RECORD_GENERATION) throw err;
        await sleep(jitter(Math.min(1 + attempt, 10)));
      }
    }
    throw new Error(`Aerospike record ${String(key.key)} still contended after ${MAX_GEN_ATTEMPTS} attempts`);
  }

  const op = Aerospike.operations;
  const maps = Aerospike.maps;
  const updatedAt = (bins: Bins, at: number) => op.write(MSG_BINS.updatedAt, Math.max(Number(bins[MSG_BINS.updatedAt] ?? 0), at));
  let closed = false;

  return {
    async createMessage(input) {
      const B = MSG_BINS;
      const bins: Bins = { [B.sys]: input.sys, [B.src]: input.src, [B.dst]: input.dst, [B.rd]: input.rd };
      Object.assign(bins, { [B.state]: input.state, [B.parts]: 0, [B.createdAt]: input.at, [B.updatedAt]: input.at });
      bins[B.times] = { [input.state]: input.at };
      if (input.pool !== undefined) bins[B.pool] = input.pool;
      if (input.err !== undefined) bins[B.err] = input.err;
      return cmd.create({ key: msgKey(input.id), ops: Object.entries(bins).map(([b, v]) => op.write(b, v as Aerospike.AerospikeBinValue)) });
    },

    async transition(id, to, input) {
      type Result = { applied: boolean; prev: MessageState | null };
      return readModifyWrite<Result>(msgKey(id), { applied: false, prev: null }, (bins) => {
        const prev = bins[MSG_BINS.state] as MessageState;
        if (!canTransition(prev, to)) return { result: { applied: false, prev } };
        const ops: Op[] = [op.write(MSG_BINS.state, to), maps.put(MSG_BINS.times, to, input.at), updatedAt(bins, input.at)];
        if (input.err !== undefined) ops.push(op.write(MSG_BINS.err, input.err));
        if (input.smsc !== undefined) ops.push(op.write(MSG_BINS.smsc, input.smsc));
        return { ops, result: { applied: true, prev } };
      });
    },

    async recordSubmit(id, input) {
      assertPartIndex(input.part);
      const corr = { [CORR_BINS.id]: id, [CORR_BINS.part]: input.part, [CORR_BINS.parts]: input.parts };
      const corrK = new Aerospike.Key(ns, sets.corr, corrKey(input.smsc, input.smscMsgId));
      // Both writes in flight together; the correlation is a plain overwrite, safe to repeat.
      const [, submitted] = await Promise.all([
        cmd.write({ key: corrK, ops: Object.entries(corr).map(([b, v]) => op.write(b, v)) }),
        readModifyWrite(msgKey(id), false, (bins) => {
          const parts = Math.max(Number(bins[MSG_BINS.parts] ?? 0), input.parts);
          const ops: Op[] = [
            maps.put(MSG_BINS.smscIds, String(input.part), input.smscMsgId),
            op.write(MSG_BINS.smsc, input.smsc),
            op.write(MSG_BINS.parts, parts),
            updatedAt(bins, input.at),
          ];
          if (input.segments !== undefined) ops.push(op.write(MSG_BINS.segments, input.segments));
          // Every part acknowledged → SUBMITTED in the same write (ARCHITECTURE.md lifecycle).
          const ids = parseMessageBins(id, bins).smscIds;
          ids[input.part] = input.smscMsgId;
          let all = true;
          for (let i = 0; i < parts; i++) if (!ids[i]) all = false;
          const state = bins[MSG_BINS.state] as MessageState;
          const moves = all && canTransition(state, 'SUBMITTED');
          if (moves) ops.push(op.write(MSG_BINS.state, 'SUBMITTED'), maps.put(MSG_BINS.times, 'SUBMITTED', input.at));
          return { ops, result: moves };
        }),
      ]);
      return { submitted };
    },

    async findCorrelation(smsc, smscMsgId) {
      const rec = await read(new Aerospike.Key(ns, sets.corr, corrKey(smsc, smscMsgId)));
      if (rec === null) return null;
      const b = rec.bins;
      return { id: String(b[CORR_BINS.id]), part: Number(b[CORR_BINS.part]), parts: Number(b[CORR_BINS.parts]) };
    },

    async recordPartFinal(id, part, state, input) {
      assertPartIndex(part);
      assertFinalState(state);
      return readModifyWrite<PartFinalResult>(msgKey(id), { applied: false, partStates: [], record: null }, (bins) => {
        const record = parseMessageBins(id, bins);
        const partStates = partStatesOf(bins);
        if (partStates[part]) return { result: { applied: false, partStates, record } };
        const next = [...partStates];
        while (next.length <= part) next.push(null);
        next[part] = state;
        const ops: Op[] = [maps.put(MSG_BINS.partStates, String(part), state), updatedAt(bins, input.at)];
        if (input.err !== undefined) ops.push(op.write(MSG_BINS.err, input.err));
        const after: MessageRecord = { ...record, partStates: next, updatedAt: Math.max(record.updatedAt, input.at) };
        if (input.err !== undefined) after.err = input.err;
        const result: PartFinalResult = { applied: true, partStates: next, record: after };
        const whole = input.whole?.of(next);
        if (whole) {
          // The message's own move rides in the same write (one round trip instead of two).
          const moves = canTransition(record.state, whole);
          result.whole = { state: whole, applied: moves };
          if (moves) {
            ops.push(op.write(MSG_BINS.state, whole), maps.put(MSG_BINS.times, whole, input.at));
            if (input.whole!.err !== undefined) ops.push(op.write(MSG_BINS.err, input.whole!.err));
            Object.assign(after, { state: whole, times: { ...after.times, [whole]: input.at } });
            if (input.whole!.err !== undefined) after.err = input.whole!.err;
          }
        }
        return { ops, result };
      });
    },

    async get(id) {
      const rec = await read(msgKey(id));
      return rec === null ? null : parseMessageBins(id, rec.bins);
    },

    async incrementStats(day, client_, smsc, state) {
      assertDay(day);
      const shard = Math.floor(Math.random() * STATS_SHARDS);
      const key = new Aerospike.Key(ns, sets.stats, statsKey(day, client_, smsc, shard));
      await cmd.increment(key, state);
    },

    async getStats(day, client_, smsc) {
      assertDay(day);
      const shards = await Promise.all(
        Array.from({ length: STATS_SHARDS }, (_, i) => read(new Aerospike.Key(ns, sets.stats, statsKey(day, client_, smsc, i)))),
      );
      const out: Partial<Record<MessageState, number>> = {};
      for (const rec of shards) {
        if (!rec) continue;
        for (const s of STATS_BINS) {
          const v = rec.bins[s];
          if (typeof v === 'number') out[s] = (out[s] ?? 0) + v;
        }
      }
      return out;
    },

    async ping() {
      if (closed || !client.isConnected()) throw new Error(`Aerospike at ${opts.hosts} not connected`);
      await client.infoAny('status');
      // Reachable is not enough: commands that keep failing after their retries make us unready.
      const h = cmd.health;
      if (h.consecutiveFailures >= UNHEALTHY_AFTER && h.lastFailure) {
        throw new Error(`Aerospike commands failing: ${h.consecutiveFailures} in a row, last: ${h.lastFailure.message}`);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        client.close(false);
      } finally {
        if (opts.releaseEventLoop ?? true) Aerospike.releaseEventLoop();
      }
    },
  };
}
