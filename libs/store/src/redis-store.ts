import type { Cluster, Redis } from 'ioredis';
import type { MessageState } from '@smsgw/contracts';
import { SEARCH_INDEX_CAP, type Correlation, type MessageRecord, type PartFinalRecord, type PartFinalResult, type StateStore } from './state-store';
import { BATCH_LUA, BATCH_OPS, INCR_STATS_LUA, PART_FINAL_FIELDS, TRANSITION_LUA, WHOLE_MOVED, WHOLE_NOT_ASKED } from './redis-scripts';
import { createTickBatch } from './tick-batch';
import { defineDynamicKeyCommand } from './dynamic-key-command';
import { assertDay, assertFinalState, assertPartIndex, denseParts, isMessageState } from './transition-rules';

export const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;

export interface RedisStateStoreOptions {
  /** Owned by the caller (create it with `enableAutoPipelining: true`); close() leaves it open. */
  redis: Redis | Cluster;
  prefix: string;
  ttlSeconds?: number;
  /** Most messages the search index keeps per (client, destination); default SEARCH_INDEX_CAP. */
  indexCap?: number;
}

/*
 * Key layout (the `{...}` part is the Redis Cluster hash tag):
 *   <prefix>:{msg:<id>}                      hash, one per message:
 *       sys src dst rd pool smsc err cid    as in MessageRecord
 *       dc                                  the client's data_coding (absent in older records)
 *       sdc                                 the data_coding the SMSC got (absent until submitted)
 *       tp                                  the sender span's traceparent (traced messages only)
 *       st                                  current state
 *       n                                   parts (0 until the sender segmented)
 *       sg                                  segments as sent (absent: = n)
 *       ca / ua                             createdAt / updatedAt, ms
 *       t:<STATE>                           ms of the transition into STATE
 *       p:<i>                               final state of part i (absent while not final)
 *       s:<i>                               SMSC message id of part i (normalised)
 *       r:<i>                               as the SMSC wrote it, where that differs
 *   <prefix>:corr:{<smsc>:<smscMsgId>}       string "<id> <part> <parts>"
 *   <prefix>:stats:{<day>:<client>:<smsc>}   hash, field = state, value = count
 *   <prefix>:mi:{<client>:<dst>}             sorted set, member = message id, score = createdAt:
 *                                            the search index (the last TTL, SEARCH_INDEX_CAP at most)
 * Per-part fields rather than a JSON array let the scripts read and set one part by name (HMGET,
 * HSET) with no JSON decode. Every write refreshes the key's TTL.
 */

type ScriptCall = (key: string, ...args: (string | number)[]) => Promise<unknown>;
interface StoreCommands {
  smsgwStoreTransition: ScriptCall;
  smsgwStoreIncrStats: ScriptCall;
  smsgwStoreBatch: (numKeys: number, ...args: (string | number)[]) => Promise<unknown[]>;
}

/** One operation of BATCH_LUA: its code, its key, its arguments. */
interface BatchOp {
  op: (typeof BATCH_OPS)[keyof typeof BATCH_OPS];
  key: string;
  args: (string | number)[];
}

/** Most operations one BATCH_LUA call carries. */
const MAX_BATCH = 100;

export function redisStoreKeys(prefix: string) {
  return {
    msg: (id: string) => `${prefix}:{msg:${id}}`,
    corr: (smsc: string, smscMsgId: string) => `${prefix}:corr:{${smsc}:${smscMsgId}}`,
    stats: (day: string, client: string, smsc: string) => `${prefix}:stats:{${day}:${client}:${smsc}}`,
    index: (client: string, dst: string) => `${prefix}:mi:{${client}:${dst}}`,
  };
}

export function createRedisStateStore(opts: RedisStateStoreOptions): StateStore {
  const { redis, prefix } = opts;
  const ttl = opts.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new RangeError(`ttlSeconds must be a positive integer, got ${ttl}`);
  const keys = redisStoreKeys(prefix);

  // defineCommand sends EVALSHA and falls back to EVAL once per connection on NOSCRIPT; the
  // names are namespaced so defining them on a caller's shared client collides with nothing.
  redis.defineCommand('smsgwStoreTransition', { numberOfKeys: 1, lua: TRANSITION_LUA });
  redis.defineCommand('smsgwStoreIncrStats', { numberOfKeys: 1, lua: INCR_STATS_LUA });
  defineDynamicKeyCommand(redis, 'smsgwStoreBatch', BATCH_LUA);
  const cmd = redis as unknown as StoreCommands;
  /**
   * The hot operations (create and index, submit and correlation, correlation read, part final)
   * of one turn of the event loop go in one BATCH_LUA call on a single Redis server: a read batch
   * of the stage costs one script, not one or two per message. On a Cluster the keys of one call
   * must share a slot, so there each key's operations make their own call (messages' keys are in
   * slots of their own).
   */
  const grouped = !(redis as { isCluster?: boolean }).isCluster;
  const batch = createTickBatch<BatchOp, unknown>(async (_slot, ops) => {
    const args: (string | number)[] = [];
    for (const o of ops) args.push(o.op, o.args.length, ...o.args);
    return cmd.smsgwStoreBatch(ops.length, ...ops.map((o) => o.key), ...args);
  }, MAX_BATCH);
  /** One operation through the batch: its script's reply, or its own error thrown. */
  const run = async (op: BatchOp['op'], key: string, args: (string | number)[]): Promise<unknown> => {
    const res = await batch(grouped ? '' : key, { op, key, args });
    if (res instanceof Error) throw res;
    return res;
  };
  /**
   * The stats counts of one turn of the event loop go per stats key in one call (a read batch's
   * receipts mostly share day, client and SMSC): one script per key, not per message.
   */
  const stats = createTickBatch<MessageState, void>(async (key, states) => {
    const counts = new Map<string, number>();
    for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
    await cmd.smsgwStoreIncrStats(key, ttl, ...[...counts].flat());
    return states.map(() => undefined);
  });

  const store: StateStore = {
    async createMessage(input) {
      const fields: (string | number)[] = ['sys', input.sys, 'src', input.src, 'dst', input.dst, 'rd', input.rd];
      fields.push('st', input.state, 'n', 0, 'ca', input.at, 'ua', input.at, `t:${input.state}`, input.at);
      if (input.pool !== undefined) fields.push('pool', input.pool);
      if (input.err !== undefined) fields.push('err', input.err);
      if (input.cid !== undefined) fields.push('cid', input.cid);
      if (input.dc !== undefined) fields.push('dc', input.dc);
      // The index is another key (another cluster slot): in the same script call as the create on
      // one server, beside it in the same round trip on a Cluster. Written either way: a
      // redelivery finds it in place (NX).
      const [created] = await Promise.all([
        run(BATCH_OPS.create, keys.msg(input.id), [ttl, ...fields]),
        run(BATCH_OPS.index, keys.index(input.sys, input.dst), [input.at, input.id, input.at - ttl * 1000, opts.indexCap ?? SEARCH_INDEX_CAP, ttl]),
      ]);
      return created === 1;
    },

    async transition(id, to, input) {
      const res = (await cmd.smsgwStoreTransition(
        keys.msg(id),
        to,
        input.at,
        ttl,
        input.err ?? '',
        input.smsc ?? '',
      )) as [number, string?];
      const prev = res[1] !== undefined && isMessageState(res[1]) ? res[1] : null;
      return { applied: res[0] === 1, prev };
    },

    async recordSubmit(id, input) {
      assertPartIndex(input.part);
      // Two single-key writes on different hash tags, issued together: one script call on one
      // server, one round trip on a Cluster. The correlation is written even if the message record expired:
      // a late receipt then still finds its UUID for the journal.
      const [res] = await Promise.all([
        run(BATCH_OPS.submit, keys.msg(id), [input.part, input.parts, input.smsc, input.smscMsgId, input.at, ttl, input.segments ?? '', input.sdc ?? '', input.rawSmscMsgId ?? '', input.dc ?? '', input.rd ?? '', input.tp ?? '']),
        run(BATCH_OPS.set, keys.corr(input.smsc, input.smscMsgId), [`${id} ${input.part} ${input.parts}`, ttl]),
      ]);
      return { submitted: res === 2 };
    },

    async findCorrelation(smsc, smscMsgId): Promise<Correlation | null> {
      const v = (await run(BATCH_OPS.get, keys.corr(smsc, smscMsgId), [])) as string | null;
      if (v === null) return null;
      // The UUID contains no space, so the last two fields are always part and parts.
      const [id, part, parts] = v.split(' ');
      return { id: id!, part: Number(part), parts: Number(parts) };
    },

    async recordPartFinal(id, part, state, input) {
      assertPartIndex(part);
      assertFinalState(state);
      // A message of one part is final with it: its own state is what `whole.of` makes of this
      // part alone, asked here so that the script moves it in the same write. A multipart message
      // needs the other parts' states, which only the write returns.
      const solo = part === 0 && input.whole ? input.whole.of([state]) : null;
      const res = (await run(BATCH_OPS.partFinal, keys.msg(id), [part, state, input.at, ttl, input.err ?? '', solo ?? '', input.whole?.err ?? ''])) as (
        | number
        | string
        | null
      )[];
      if (res[0] === -1) return { applied: false, partStates: [], record: null };
      const record = parsePartFinalReply(id, res.slice(2));
      const result: PartFinalResult = { applied: res[0] === 1, partStates: record.partStates, record };
      if (!result.applied) return result;
      if (res[1] !== WHOLE_NOT_ASKED) {
        result.whole = { state: solo!, applied: res[1] === WHOLE_MOVED };
        if (result.whole.applied) record.times[solo!] = input.at;
        return result;
      }
      const whole = input.whole?.of(record.partStates);
      if (whole) {
        // Multipart: the script cannot ask `whole.of`, so the move is a second call, made only
        // by the receipt that completes the message (TRANSITION_LUA: forward steps only).
        const moved = await store.transition(id, whole, { at: input.at, err: input.whole!.err });
        result.whole = { state: whole, applied: moved.applied };
        if (moved.applied) {
          record.state = whole;
          record.times[whole] = input.at;
          if (input.whole!.err !== undefined) record.err = input.whole!.err;
        }
      }
      return result;
    },

    async get(id) {
      const h = await redis.hgetall(keys.msg(id));
      return Object.keys(h).length === 0 ? null : parseMessageHash(id, h);
    },

    async search(q) {
      const ids = (await redis.zrevrangebyscore(keys.index(q.sys, q.dst), q.to, q.from, 'LIMIT', 0, q.limit)) as string[];
      const hashes = await Promise.all(ids.map((id) => redis.hgetall(keys.msg(id))));
      return ids.flatMap((id, i) => (Object.keys(hashes[i]!).length ? [parseMessageHash(id, hashes[i]!)] : []));
    },

    incrementStats(day, client, smsc, state) {
      assertDay(day);
      return stats(keys.stats(day, client, smsc), state);
    },

    async getStats(day, client, smsc) {
      assertDay(day);
      const h = await redis.hgetall(keys.stats(day, client, smsc));
      const out: Partial<Record<MessageState, number>> = {};
      for (const [k, v] of Object.entries(h)) if (isMessageState(k)) out[k] = Number(v);
      return out;
    },

    async ping() {
      await redis.ping();
    },

    async close() {
      // The client belongs to the caller, who may share it with streams and limiters.
    },
  };
  return store;
}

/**
 * The part-final script's values (PART_FINAL_FIELDS, then p:<i>, s:<i> of every part) → the record it
 * describes. Exported for unit tests of the layout.
 */
export function parsePartFinalReply(id: string, values: readonly (string | number | null)[]): PartFinalRecord {
  const h: Record<string, string> = {};
  PART_FINAL_FIELDS.forEach((f, i) => {
    if (values[i] !== null && values[i] !== undefined) h[f] = String(values[i]);
  });
  for (let j = PART_FINAL_FIELDS.length, i = 0; j < values.length; j += 2, i++) {
    if (values[j] !== null && values[j] !== undefined) h[`p:${i}`] = String(values[j]);
    if (values[j + 1] !== null && values[j + 1] !== undefined) h[`s:${i}`] = String(values[j + 1]);
  }
  return parseMessageHash(id, h);
}

/** Hash fields → MessageRecord. Exported for unit tests of the layout. */
export function parseMessageHash(id: string, h: Record<string, string>): MessageRecord {
  const times: Partial<Record<MessageState, number>> = {};
  const finals = new Map<number, MessageState>();
  const smscIds = new Map<number, string>();
  const rawIds = new Map<number, string>();
  let maxPart = -1;
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith('t:')) {
      const s = k.slice(2);
      if (isMessageState(s)) times[s] = Number(v);
    } else if (k.startsWith('p:') || k.startsWith('s:') || k.startsWith('r:')) {
      const i = Number(k.slice(2));
      maxPart = Math.max(maxPart, i);
      if (k[0] === 's') smscIds.set(i, v);
      else if (k[0] === 'r') rawIds.set(i, v);
      else if (isMessageState(v)) finals.set(i, v);
    }
  }
  // A part index beyond `n` can only come from a caller bug, but it is shown rather than hidden.
  const parts = Number(h.n ?? 0);
  const slots = Math.max(parts, maxPart + 1);
  const rec: MessageRecord = {
    id,
    sys: h.sys ?? '',
    src: h.src ?? '',
    dst: h.dst ?? '',
    rd: Number(h.rd ?? 0),
    state: (h.st && isMessageState(h.st) ? h.st : 'UNKNOWN') as MessageState,
    parts,
    segments: Number(h.sg ?? parts),
    partStates: denseParts(slots, finals),
    smscIds: denseParts(slots, smscIds),
    times,
    createdAt: Number(h.ca ?? 0),
    updatedAt: Number(h.ua ?? 0),
  };
  if (h.pool !== undefined) rec.pool = h.pool;
  if (h.smsc !== undefined) rec.smsc = h.smsc;
  if (h.err !== undefined) rec.err = Number(h.err);
  if (h.cid !== undefined) rec.cid = h.cid;
  if (rawIds.size) rec.rawSmscIds = denseParts(slots, rawIds);
  if (h.dc !== undefined) rec.dc = Number(h.dc);
  if (h.sdc !== undefined) rec.sdc = Number(h.sdc);
  if (h.tp !== undefined) rec.tp = h.tp;
  return rec;
}
