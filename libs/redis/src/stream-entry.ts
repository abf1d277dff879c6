import { ENTRY_FIELD } from '@smsgw/contracts';
import { createTickBatch, defineDynamicKeyCommand } from '@smsgw/store';
import type { Redis } from './redis-client';
import { streamGroups } from './redis-info';

export interface StreamEntry {
  id: string;
  /** The decoded JSON of the entry's one field; undefined when the entry is not ours (malformed). */
  data: unknown;
  /** How many times the group delivered it (1 on first read). */
  deliveries: number;
  /** Length of the encoded entry (batch byte bounds without re-encoding). */
  size: number;
}

export function encodeEntry(value: unknown): string {
  return JSON.stringify(value);
}

export function decodeFields(fields: string[]): { data: unknown; size: number } {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === ENTRY_FIELD) {
      const raw = fields[i + 1];
      try {
        return { data: JSON.parse(raw), size: raw.length };
      } catch {
        return { data: undefined, size: raw.length };
      }
    }
  }
  return { data: undefined, size: 0 };
}

/** XADD of one entry; `maxLen` trims approximately (MAXLEN ~) for bounded streams. */
export function xaddEntry(redis: Redis, stream: string, value: unknown, maxLen?: number): Promise<string | null> {
  const payload = encodeEntry(value);
  if (maxLen) return redis.xadd(stream, 'MAXLEN', '~', String(maxLen), '*', ENTRY_FIELD, payload);
  return redis.xadd(stream, '*', ENTRY_FIELD, payload);
}

/**
 * KEYS[1] a stream, ARGV one entry payload each → per payload its entry id, or the error its XADD
 * met (each XADD on its own: the others are still written).
 */
const XADD_MANY = `
local out = {}
for i = 1, #ARGV do out[i] = redis.pcall('XADD', KEYS[1], '*', '${ENTRY_FIELD}', ARGV[i]) end
return out`;

type WithXaddMany = Redis & { smsgwXaddMany(numKeys: 1, stream: string, ...payloads: string[]): Promise<Array<string | Error>> };

/** Defines xaddEntries' script on this client (done by its first call otherwise). */
export function defineXaddEntries(redis: Redis): void {
  defineDynamicKeyCommand(redis, 'smsgwXaddMany', XADD_MANY);
}

/**
 * XADD of several entries to one stream in one script call: per value its entry id, or the error
 * its XADD met. On the hot paths, where each message is an entry of its own: a client's
 * submits of one tick, a read batch's messages for one pool. One call with the payloads costs
 * the caller ~1 µs a message where an (auto-pipelined) XADD each costs ~4–5 µs in ioredis, and
 * Redis ~0.2 µs more; the entries, their ids and their order are those of one XADD each.
 */
export function xaddEntries(redis: Redis, stream: string, values: readonly unknown[]): Promise<Array<string | Error>> {
  defineXaddEntries(redis);
  const payloads = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) payloads[i] = encodeEntry(values[i]);
  return (redis as WithXaddMany).smsgwXaddMany(1, stream, ...payloads);
}

/**
 * An XADD of one entry whose calls made in the same turn of the event loop go to Redis per
 * stream as one xaddEntries call (at most `maxBatch` entries each). Resolves with the entry's
 * id, or rejects with its own XADD's error.
 */
export function createEntryAppender(redis: Redis, maxBatch = 500): (stream: string, value: unknown) => Promise<string> {
  defineXaddEntries(redis);
  const batch = createTickBatch<unknown, string | Error>((stream, values) => xaddEntries(redis, stream, values), maxBatch);
  return async (stream, value) => {
    const res = await batch(stream, value);
    if (res instanceof Error) throw res;
    return res;
  };
}

/** Creates the consumer group (and the stream) if absent; BUSYGROUP means it exists. */
export async function ensureGroup(redis: Redis, stream: string, group: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (err) {
    if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
  }
}

function idLess(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am < bm || (am === bm && as < bs);
}

function nextId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq) + 1n}`;
}

/**
 * Trims what every group of the stream has acknowledged. Redis 7.0 has no "trim only acked"
 * option, so the cut is the oldest id still pending or undelivered in any group: for each
 * group, its oldest pending id, or (none pending) the entry after its last-delivered-id.
 * Returns the number of entries removed.
 */
export async function trimAcknowledged(redis: Redis, stream: string): Promise<number> {
  const groups = await streamGroups(redis, stream);
  if (!groups.length) return 0;
  let cut: string | undefined;
  for (const g of groups) {
    const summary = (await redis.xpending(stream, g.name)) as [number, string | null, string | null, unknown];
    const candidate = summary[0] > 0 && summary[1] ? summary[1] : nextId(g.lastDeliveredId);
    if (!cut || idLess(candidate, cut)) cut = candidate;
  }
  if (!cut || cut === '0-1') return 0;
  return (await redis.xtrim(stream, 'MINID', cut)) as number;
}
