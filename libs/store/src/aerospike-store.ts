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
  isRetryable,
  mapWriteError,
  parseMessageBins,
  partStatesOf,
  recordTtl,
  statsKey,
} from './aerospike-layout';
import { assertDay, assertFinalState, assertPartIndex } from './transition-rules';

export interface AerospikeStateStoreOptions {
  /** Seed hosts, `host:port[,host:port…]`. */
  hosts: string;
  namespace: string;
  setPrefix?: string;
  /** Record TTL; 0 = never expire (needed when the namespace has no nsup-period). */
  ttlSeconds?: number;
  /** Total timeout of each command, retries included. */
  timeoutMs?: number;
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
const BUSY_RETRIES = 4;
// Each lost generation race means another writer made progress, so this bounds the wait only
// under pathological contention (far beyond the writers one message ever has).
const MAX_GEN_ATTEMPTS = 64;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = (base: number) => base + Math.random() * base;

export async function createAerospikeStateStore(opts: AerospikeStateStoreOptions): Promise<StateStore> {
  const ns = opts.namespace;
  const sets = aerospikeSets(opts.setPrefix ?? 'smsgw');
  const ttlSeconds = opts.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) throw new RangeError(`ttlSeconds must be an integer ≥ 0, got ${ttlSeconds}`);
  const meta = { ttl: recordTtl(ttlSeconds) };
  const timeoutMs = opts.timeoutMs ?? 1000;
  // A policy passed to a call replaces the configured default, so every policy carries the
  // timeouts itself.
  const t = { totalTimeout: timeoutMs, socketTimeout: timeoutMs };
  const readPolicy = new Aerospike.ReadPolicy({ ...t });
  const writePolicy = new Aerospike.WritePolicy({ ...t });
  const createPolicy = new Aerospike.WritePolicy({ ...t, exists: Aerospike.policy.exists.CREATE });
  const operatePolicy = new Aerospike.OperatePolicy({ ...t });
  const genPolicy = new Aerospike.OperatePolicy({ ...t, gen: Aerospike.policy.gen.EQ });

  const config: Aerospike.ConfigOptions = {
    hosts: opts.hosts,
    connTimeoutMs: timeoutMs,
    policies: { read: readPolicy, write: writePolicy, operate: operatePolicy },
  };
  if (opts.user !== undefined) config.user = opts.user;
  if (opts.password !== undefined) config.password = opts.password;
  let client: Aerospike.Client;
  try {
    client = await Aerospike.connect(config);
  } catch (err) {
    throw new Error(`cannot connect to Aerospike at ${opts.hosts}: ${(err as Error).message}`, { cause: err });
  }

  const msgKey = (id: string) => new Aerospike.Key(ns, sets.msg, id);

  async function withRetry<T>(fn: () => Promise<T>, idempotent: boolean): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= BUSY_RETRIES || !isRetryable(err, idempotent)) throw mapWriteError(err, ns, ttlSeconds);
        await sleep(jitter(5 * 2 ** attempt));
      }
    }
  }

  async function read(key: Aerospike.Key): Promise<{ bins: Bins; gen: number } | null> {
    try {
      const rec = await withRetry(() => client.get(key, readPolicy), true);
      return { bins: rec.bins as Bins, gen: rec.gen };
    } catch (err) {
      if (errorCode(err) === AS_STATUS.RECORD_NOT_FOUND) return null;
      throw err;
    }
  }

  /**
   * Read-modify-write under a generation check: `decide` sees the record and returns the
   * operations to apply (none = nothing to do) and the answer to give once they are applied.
   * Losing the race to another writer (GENERATION_ERROR) re-reads and decides again.
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
        await withRetry(() => client.operate(key, ops, { ...meta, gen: rec.gen }, genPolicy), false);
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
      try {
        // Not retried on an in-doubt timeout: a repeat would answer "existed" for our own write.
        await withRetry(() => client.put(msgKey(input.id), bins as Aerospike.AerospikeBins, meta, createPolicy), false);
        return true;
      } catch (err) {
        if (errorCode(err) === AS_STATUS.RECORD_EXISTS) return false;
        throw err;
      }
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
        withRetry(() => client.put(corrK, corr, meta, writePolicy), true),
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
        return { ops, result: { applied: true, partStates: next, record: after } };
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
      await withRetry(() => client.operate(key, [op.incr(state, 1)], meta, operatePolicy), false);
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
