import { MESSAGE_STATES, type MessageState } from '@smsgw/contracts';
import type { MessageRecord } from './state-store';
import { denseParts, isMessageState } from './transition-rules';

/*
 * Aerospike record layout (also in libs/store/README.md). Pure: no client import, so it is
 * unit-tested without a server.
 *   set <setPrefix>_msg    key = message UUID           bins MSG_BINS
 *   set <setPrefix>_corr   key = <smsc>:<smscMsgId>     bins CORR_BINS
 *   set <setPrefix>_stats  key = <day>:<client>:<smsc>:<shard>, one integer bin per state name
 *   set <setPrefix>_idx    key = <client>:<dst>              bin `i`: map message UUID → createdAt
 *                          (the search index: the messages of one client to one destination)
 */

/** Bins of a message record. Aerospike limits bin names to 15 characters. */
export const MSG_BINS = {
  sys: 'sys',
  src: 'src',
  dst: 'dst',
  rd: 'rd',
  state: 'st',
  pool: 'pool',
  smsc: 'smsc',
  parts: 'n',
  segments: 'sg',
  err: 'err',
  createdAt: 'ca',
  updatedAt: 'ua',
  times: 'tm', // map STATE → ms
  partStates: 'ps', // map "<part>" → final state
  smscIds: 'sid', // map "<part>" → SMSC message id
  rawSmscIds: 'rid', // map "<part>" → SMSC message id as the SMSC wrote it, where that differs from sid's
  version: 'vs', // +1 on every conditional write: the check of a batched read-modify-write
  cid: 'cid', // submit_multi: the client's message_id for all its destinations (absent otherwise)
  dc: 'dc', // the client's data_coding (absent in records written before it was kept)
  smscDataCoding: 'sdc', // the data_coding the SMSC got (absent until submitted)
  traceparent: 'tp', // the sender span's W3C traceparent (traced messages only)
} as const;

export const CORR_BINS = { id: 'id', part: 'part', parts: 'parts' } as const;

/** Stats bins are the state names themselves (the longest, POLICY_REJECTED, is 15). */
export const STATS_BINS: readonly MessageState[] = MESSAGE_STATES;

export const MAX_BIN_NAME = 15;

/**
 * Counters of one (day, client, smsc) are spread over this many records: every submit and
 * receipt increments one, and many writers on a single record queue up on its lock until the
 * server answers KEY_BUSY (14).
 */
export const STATS_SHARDS = 8;

/** Aerospike status codes this store acts on (Aerospike.status.*; checked in the unit test). */
export const AS_STATUS = {
  RECORD_NOT_FOUND: 2,
  RECORD_GENERATION: 3,
  RECORD_EXISTS: 5,
  TIMEOUT: 9,
  RECORD_BUSY: 14,
  DEVICE_OVERLOAD: 18,
  FAIL_FORBIDDEN: 22,
  FILTERED_OUT: 27,
} as const;

/**
 * Codes that mean "the server did not apply this command; the same command may succeed in a
 * moment" (Aerospike.status.*, checked in the unit test). Client side: the node's async pool is
 * full (-7), the client's command queue is full (-11), a node is backing off after too many
 * errors (-14), a connection could not be had or broke before the command was sent (-6, -10),
 * the node is gone from the partition map (-8). Server side: partitions moving (7, 11), the key
 * or the device busy (14, 18).
 */
export const AS_TRANSIENT = {
  ASYNC_CONNECTION: -6,
  NO_MORE_CONNECTIONS: -7,
  INVALID_NODE: -8,
  CONNECTION: -10,
  ASYNC_QUEUE_FULL: -11,
  MAX_ERROR_RATE: -14,
  CLUSTER_CHANGE: 7,
  CLUSTER: 11,
  RECORD_BUSY: 14,
  DEVICE_OVERLOAD: 18,
} as const;

const TRANSIENT_CODES: ReadonlySet<number> = new Set(Object.values(AS_TRANSIENT));

export function aerospikeSets(setPrefix: string) {
  return { msg: `${setPrefix}_msg`, corr: `${setPrefix}_corr`, stats: `${setPrefix}_stats`, idx: `${setPrefix}_idx` };
}

/** The search index record's bin: map message UUID → createdAt (ms). */
export const INDEX_BIN = 'i';

export function indexKey(client: string, dst: string): string {
  return `${client}:${dst}`;
}

export function corrKey(smsc: string, smscMsgId: string): string {
  return `${smsc}:${smscMsgId}`;
}

export function statsKey(day: string, client: string, smsc: string, shard: number): string {
  return `${day}:${client}:${smsc}:${shard}`;
}

/** The TTL sent with every write: ttlSeconds 0 means "never expire" (-1 in Aerospike). */
export function recordTtl(ttlSeconds: number): number {
  return ttlSeconds === 0 ? -1 : ttlSeconds;
}

export function errorCode(err: unknown): number | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : undefined;
}

/**
 * Turns the server's refusal of a TTL into an instruction. Aerospike rejects writes with a
 * non-zero TTL (FORBIDDEN, 22) when the namespace has `nsup-period 0`, the default, because
 * nothing would ever expire them.
 */
export function mapWriteError(err: unknown, namespace: string, ttlSeconds: number): unknown {
  if (errorCode(err) !== AS_STATUS.FAIL_FORBIDDEN || ttlSeconds === 0) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new Error(
    `Aerospike refused a write with a TTL in namespace '${namespace}' (FORBIDDEN, code 22: ${msg}). ` +
      `Set 'nsup-period' on the namespace (e.g. nsup-period 120) so records can expire, ` +
      `or set ttl 0 in the store config (ttlSeconds: 0: records never expire).`,
    { cause: err },
  );
}

/**
 * Errors after which the command is sent again. The transient codes above mean the server did
 * not apply it — except a connection that broke after the command went out, which the client
 * marks in doubt. A timeout is retried only when the client knows the write was not sent
 * (inDoubt false) or the command is safe to repeat, so a counter is never incremented twice.
 */
export function isRetryable(err: unknown, idempotent: boolean): boolean {
  const code = errorCode(err);
  if (code === undefined) return false;
  const inDoubt = (err as { inDoubt?: boolean }).inDoubt === true;
  if (TRANSIENT_CODES.has(code)) return idempotent || !inDoubt;
  if (code === AS_STATUS.TIMEOUT) return idempotent || (err as { inDoubt?: boolean }).inDoubt === false;
  return false;
}

/** Map bins come back as plain objects (string keys) or as Map; both are accepted. */
function entriesOf(v: unknown): [string, unknown][] {
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [String(k), x]);
  if (v && typeof v === 'object') return Object.entries(v);
  return [];
}

export function partMap<T>(v: unknown, accept: (x: unknown) => x is T): Map<number, T> {
  const out = new Map<number, T>();
  for (const [k, x] of entriesOf(v)) if (accept(x)) out.set(Number(k), x);
  return out;
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isState = (x: unknown): x is MessageState => typeof x === 'string' && isMessageState(x);

export function partStatesOf(bins: Record<string, unknown>): (MessageState | null)[] {
  const finals = partMap(bins[MSG_BINS.partStates], isState);
  return denseParts(partSlots(bins, finals), finals);
}

function partSlots(bins: Record<string, unknown>, ...maps: Map<number, unknown>[]): number {
  let n = Number(bins[MSG_BINS.parts] ?? 0);
  for (const m of maps) for (const k of m.keys()) n = Math.max(n, k + 1);
  return n;
}

export function parseMessageBins(id: string, bins: Record<string, unknown>): MessageRecord {
  const B = MSG_BINS;
  const finals = partMap(bins[B.partStates], isState);
  const ids = partMap(bins[B.smscIds], isString);
  const rawIds = partMap(bins[B.rawSmscIds], isString);
  const slots = partSlots(bins, finals, ids, rawIds);
  const times: Partial<Record<MessageState, number>> = {};
  for (const [k, v] of entriesOf(bins[B.times])) if (isMessageState(k)) times[k] = Number(v);
  const st = bins[B.state];
  const rec: MessageRecord = {
    id,
    sys: String(bins[B.sys] ?? ''),
    src: String(bins[B.src] ?? ''),
    dst: String(bins[B.dst] ?? ''),
    rd: Number(bins[B.rd] ?? 0),
    state: isState(st) ? st : 'UNKNOWN',
    parts: Number(bins[B.parts] ?? 0),
    segments: Number(bins[B.segments] ?? bins[B.parts] ?? 0),
    partStates: denseParts(slots, finals),
    smscIds: denseParts(slots, ids),
    times,
    createdAt: Number(bins[B.createdAt] ?? 0),
    updatedAt: Number(bins[B.updatedAt] ?? 0),
  };
  if (typeof bins[B.pool] === 'string') rec.pool = bins[B.pool] as string;
  if (typeof bins[B.smsc] === 'string') rec.smsc = bins[B.smsc] as string;
  if (bins[B.err] !== undefined && bins[B.err] !== null) rec.err = Number(bins[B.err]);
  if (typeof bins[B.cid] === 'string') rec.cid = bins[B.cid] as string;
  if (rawIds.size) rec.rawSmscIds = denseParts(slots, rawIds);
  if (typeof bins[B.dc] === 'number') rec.dc = bins[B.dc] as number;
  if (typeof bins[B.smscDataCoding] === 'number') rec.sdc = bins[B.smscDataCoding] as number;
  if (typeof bins[B.traceparent] === 'string') rec.tp = bins[B.traceparent] as string;
  return rec;
}
