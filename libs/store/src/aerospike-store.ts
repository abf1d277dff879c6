import * as Aerospike from 'aerospike';
import { canTransition, MESSAGE_STATES, type MessageState } from '@smsgw/contracts';
import type { MessageRecord, PartFinalResult, RecordSubmitInput, StateStore } from './state-store';
import {
  AS_STATUS,
  CORR_BINS,
  INDEX_BIN,
  MSG_BINS,
  STATS_BINS,
  STATS_SHARDS,
  aerospikeSets,
  corrKey,
  errorCode,
  indexKey,
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
// What a decision reads (less to decode than the whole record with its maps).
const TRANSITION_BINS = [MSG_BINS.state, MSG_BINS.updatedAt];
const SUBMIT_BINS = [MSG_BINS.state, MSG_BINS.parts, MSG_BINS.smscIds, MSG_BINS.rawSmscIds, MSG_BINS.updatedAt];
/** The SMSC's own form of its id, kept only where it differs from the normalised one. */
const rawIdOf = (input: RecordSubmitInput) => (input.rawSmscMsgId !== undefined && input.rawSmscMsgId !== input.smscMsgId ? input.rawSmscMsgId : undefined);
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
   * Read-modify-write: `decide` sees the record and returns the operations to apply (none =
   * nothing to do) and the answer to give once they are applied. The write carries a
   * compare-and-set on the record's version bin (which it increments), so it goes out in a batch
   * with the other writes of the turn; losing the race to another writer (FILTERED_OUT) re-reads
   * and decides again. A record written before version bins existed is written under a
   * generation check instead (one operate), which gives it a version from then on.
   */
  async function readModifyWrite<R>(
    key: Aerospike.Key,
    absent: R,
    decide: (bins: Bins) => { ops?: Op[]; result: R },
    bins?: readonly string[],
  ): Promise<R> {
    for (let attempt = 0; attempt < MAX_GEN_ATTEMPTS; attempt++) {
      const rec = await read(key, bins && [...bins, MSG_BINS.version]);
      if (rec === null) return absent;
      const { ops, result } = decide(rec.bins);
      if (!ops || ops.length === 0) return result;
      const version = rec.bins[MSG_BINS.version];
      try {
        if (typeof version === 'number') await cmd.writeIfVersion(key, [...ops, op.incr(MSG_BINS.version, 1)], MSG_BINS.version, version);
        else await cmd.operateIfGen(key, [...ops, op.write(MSG_BINS.version, 1)], rec.gen);
        return result;
      } catch (err) {
        const code = errorCode(err);
        if (code === AS_STATUS.RECORD_NOT_FOUND) return absent; // expired between read and write
        if (code !== AS_STATUS.FILTERED_OUT && code !== AS_STATUS.RECORD_GENERATION) throw err;
        await sleep(jitter(Math.min(1 + attempt, 10)));
      }
    }
    throw new Error(`Aerospike record ${String(key.key)} still contended after ${MAX_GEN_ATTEMPTS} attempts`);
  }

  const op = Aerospike.operations;
  const exp = Aerospike.exp;
  const maps = Aerospike.maps;
  const INDEX_PUT = new Aerospike.MapPolicy({ writeFlags: maps.writeFlags.CREATE_ONLY | maps.writeFlags.NO_FAIL });
  // The index keeps what the records keep (a week when records never expire).
  const indexWindowMs = (ttlSeconds || DEFAULT_TTL_SECONDS) * 1000;
  const updatedAt = (bins: Bins, at: number) => op.write(MSG_BINS.updatedAt, Math.max(Number(bins[MSG_BINS.updatedAt] ?? 0), at));
  /**
   * A message sent as one part, the usual case, moves to SUBMITTED in one write without reading
   * it first: a server-side condition (a state SUBMITTED may follow, no more than one part
   * known) stands in for the decision. Anything else (FILTERED_OUT) goes the read-decide-write
   * way; null says so.
   */
  const ONE_PART_SUBMIT = cmd.compiled(
    exp.and(
      exp.or(...MESSAGE_STATES.filter((st) => canTransition(st, 'SUBMITTED')).map((st) => exp.eq(exp.binStr(MSG_BINS.state), exp.str(st)))),
      exp.le(exp.binInt(MSG_BINS.parts), exp.int(1)),
    ),
  );
  async function submitOnePart(id: string, input: RecordSubmitInput): Promise<boolean | null> {
    if (input.parts !== 1 || input.part !== 0) return null;
    const ops: Op[] = [
      maps.put(MSG_BINS.smscIds, '0', input.smscMsgId),
      op.write(MSG_BINS.smsc, input.smsc),
      op.write(MSG_BINS.parts, 1),
      op.write(MSG_BINS.updatedAt, input.at), // the acknowledgement comes after everything before it
      op.write(MSG_BINS.state, 'SUBMITTED'),
      maps.put(MSG_BINS.times, 'SUBMITTED', input.at),
      op.incr(MSG_BINS.version, 1),
    ];
    if (input.segments !== undefined) ops.push(op.write(MSG_BINS.segments, input.segments));
    if (input.sdc !== undefined) ops.push(op.write(MSG_BINS.smscDataCoding, input.sdc));
    if (input.dc !== undefined) ops.push(op.write(MSG_BINS.dc, input.dc));
    if (input.rd !== undefined) ops.push(op.write(MSG_BINS.rd, input.rd));
    if (input.tp !== undefined) ops.push(op.write(MSG_BINS.traceparent, input.tp));
    // The first acknowledgement of the only part (the condition below): no earlier raw id to remove.
    const raw = rawIdOf(input);
    if (raw !== undefined) ops.push(maps.put(MSG_BINS.rawSmscIds, '0', raw));
    try {
      await cmd.writeIf(msgKey(id), ops, ONE_PART_SUBMIT);
      return true;
    } catch (err) {
      const code = errorCode(err);
      if (code === AS_STATUS.RECORD_NOT_FOUND) return false;
      if (code === AS_STATUS.FILTERED_OUT) return null;
      throw err;
    }
  }

  /** Any submit: read the record, decide (every part acknowledged → SUBMITTED), write. */
  const submitByReading = (id: string, input: RecordSubmitInput) =>
    readModifyWrite(msgKey(id), false, (bins) => {
      const known = parseMessageBins(id, bins);
      const parts = Math.max(Number(bins[MSG_BINS.parts] ?? 0), input.parts);
      const ops: Op[] = [
        maps.put(MSG_BINS.smscIds, String(input.part), input.smscMsgId),
        op.write(MSG_BINS.smsc, input.smsc),
        op.write(MSG_BINS.parts, parts),
        updatedAt(bins, input.at),
      ];
      if (input.segments !== undefined) ops.push(op.write(MSG_BINS.segments, input.segments));
      if (input.sdc !== undefined) ops.push(op.write(MSG_BINS.smscDataCoding, input.sdc));
      if (input.dc !== undefined) ops.push(op.write(MSG_BINS.dc, input.dc));
      if (input.rd !== undefined) ops.push(op.write(MSG_BINS.rd, input.rd));
      if (input.tp !== undefined) ops.push(op.write(MSG_BINS.traceparent, input.tp));
      // A resend's id replaces the part's raw form, or removes one it no longer has.
      const raw = rawIdOf(input);
      if (raw !== undefined) ops.push(maps.put(MSG_BINS.rawSmscIds, String(input.part), raw));
      else if (known.rawSmscIds?.[input.part]) ops.push(maps.removeByKey(MSG_BINS.rawSmscIds, String(input.part)));
      // Every part acknowledged → SUBMITTED in the same write (ARCHITECTURE.md lifecycle).
      const ids = known.smscIds;
      ids[input.part] = input.smscMsgId;
      let all = true;
      for (let i = 0; i < parts; i++) if (!ids[i]) all = false;
      const state = bins[MSG_BINS.state] as MessageState;
      const moves = all && canTransition(state, 'SUBMITTED');
      if (moves) ops.push(op.write(MSG_BINS.state, 'SUBMITTED'), maps.put(MSG_BINS.times, 'SUBMITTED', input.at));
      return { ops, result: moves };
    }, SUBMIT_BINS);

  let closed = false;

  return {
    async createMessage(input) {
      const B = MSG_BINS;
      const bins: Bins = { [B.sys]: input.sys, [B.src]: input.src, [B.dst]: input.dst, [B.rd]: input.rd };
      Object.assign(bins, { [B.state]: input.state, [B.parts]: 0, [B.createdAt]: input.at, [B.updatedAt]: input.at, [B.version]: 0 });
      bins[B.times] = { [input.state]: input.at };
      if (input.pool !== undefined) bins[B.pool] = input.pool;
      if (input.err !== undefined) bins[B.err] = input.err;
      if (input.cid !== undefined) bins[B.cid] = input.cid;
      if (input.dc !== undefined) bins[B.dc] = input.dc;
      // The search index beside the record, both in flight together (one batch when coalesced).
      // An index entry keeps its first time (a redelivery or a released held message does not
      // move it); entries older than the record TTL are dropped by the same write.
      const [created] = await Promise.all([
        cmd.create({ key: msgKey(input.id), ops: Object.entries(bins).map(([b, v]) => op.write(b, v as Aerospike.AerospikeBinValue)) }),
        cmd.write({
          key: new Aerospike.Key(ns, sets.idx, indexKey(input.sys, input.dst)),
          ops: [
            maps.put(INDEX_BIN, input.id, input.at, INDEX_PUT),
            maps.removeByValueRange(INDEX_BIN, null, input.at - indexWindowMs, maps.returnType.NONE),
          ],
        // A lookup aid must not hold a message up: an index write that fails after its retries
        // (a destination so busy its record passes the server's size limit) is counted by the
        // observer (smsgw_store_commands_total{outcome="failed"}) and the message goes on.
        }).catch(() => undefined),
      ]);
      return created;
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
      }, TRANSITION_BINS);
    },

    async recordSubmit(id, input) {
      assertPartIndex(input.part);
      const corr = { [CORR_BINS.id]: id, [CORR_BINS.part]: input.part, [CORR_BINS.parts]: input.parts };
      const corrK = new Aerospike.Key(ns, sets.corr, corrKey(input.smsc, input.smscMsgId));
      // Both writes in flight together; the correlation is a plain overwrite, safe to repeat.
      const [, submitted] = await Promise.all([
        cmd.write({ key: corrK, ops: Object.entries(corr).map(([b, v]) => op.write(b, v)) }),
        submitOnePart(id, input).then((done) => done ?? submitByReading(id, input)),
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

    async search(q) {
      const idx = await read(new Aerospike.Key(ns, sets.idx, indexKey(q.sys, q.dst)));
      const entries = Object.entries((idx?.bins[INDEX_BIN] ?? {}) as Record<string, number>)
        .filter(([, at]) => at >= q.from && at <= q.to)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1))
        .slice(0, q.limit);
      // Reads of one turn go out as one batch (the coalescer).
      const recs = await Promise.all(entries.map(([id]) => read(msgKey(id))));
      return entries.flatMap(([id], i) => (recs[i] ? [parseMessageBins(id, recs[i]!.bins)] : []));
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
