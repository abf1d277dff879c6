import { inEntrySchema, type InEntry } from '@smsgw/contracts';
import type { Redis } from './redis-client';
import { xaddEntry } from './stream-entry';

/**
 * Messages held until a time — a quiet-hours `defer` rule's end, or the client's
 * schedule_delivery_time: a sorted set of message ids scored by release time, and beside it a
 * hash from each id to its `in` entry (both under the hash tag `{deferred}`: one slot on Redis
 * Cluster). A message is held once: deferring it again (a replaced copy) replaces its entry and
 * its time. Due ids are leased by moving their score forward in one script, their entries
 * written back to `in` — where the whole policy runs again — and only then removed, unless the
 * message was deferred again meanwhile (its time is no longer the lease's); a worker that dies
 * in between leaves them to be released again when the lease ends (at-least-once; a second copy
 * is handled as any redelivery). One release pass takes due messages in batches until none is
 * left or `maxPerPass` went out, so a million messages due at once drain at thousands per
 * second without one pass holding Redis for long. `wake` brings a held message forward
 * (replace_sm changed it: the policy decides again at once).
 */

/** KEYS: queue, entries. ARGV: now, limit, lease end. Returns id, entry, id, entry… */
const LEASE_SCRIPT = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(due) do
  redis.call('ZADD', KEYS[1], ARGV[3], id)
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
end
return out
`;

/**
 * KEYS: queue, entries. ARGV: the lease's end, id, id…: released, unless deferred again since
 * (then its time is no longer the lease's).
 */
const DONE_SCRIPT = `
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[1] then
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
return 1
`;

/** KEYS: queue, entries. ARGV: id, release time, entry. */
const DEFER_SCRIPT = `
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
`;

/** KEYS: legacy queue. ARGV: now, limit, lease end. Members are the entries themselves. */
const LEGACY_LEASE_SCRIPT = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[3], m) end
return due
`;

const LEASE_MS = 60_000;

/** The held messages' ids (sorted set); their entries are in the hash `<key>:e`. */
export const deferredKey = (prefix: string) => `${prefix}:pol:{deferred}`;
/** Where releases before the id index held messages (no hash tag): still released, never added to. */
export const legacyDeferredKey = (prefix: string) => `${prefix}:pol:deferred`;

type DeferredRedis = Redis & {
  mcpLeaseDeferred(key: string, entries: string, now: number, limit: number, until: number): Promise<string[]>;
  mcpDeferredDone(key: string, entries: string, leaseEnd: number, ...ids: string[]): Promise<number>;
  mcpDefer(key: string, entries: string, id: string, until: number, entry: string): Promise<number>;
  mcpLeaseLegacy(key: string, now: number, limit: number, until: number): Promise<string[]>;
};

export interface DeferredQueue {
  defer(entry: InEntry, until: number): Promise<void>;
  /** Moves due messages back to `in` (batches of `limit`, at most `maxPerPass`); returns how many. */
  release(now: number, limit?: number, maxPerPass?: number): Promise<number>;
  /** Brings a held message's release forward to `at`; false when it is not held (any more). */
  wake(id: string, at?: number): Promise<boolean>;
  size(): Promise<number>;
}

const define = (r: DeferredRedis) => {
  if (typeof r.mcpLeaseDeferred !== 'function') r.defineCommand('mcpLeaseDeferred', { numberOfKeys: 2, lua: LEASE_SCRIPT });
  if (typeof r.mcpDeferredDone !== 'function') r.defineCommand('mcpDeferredDone', { numberOfKeys: 2, lua: DONE_SCRIPT });
  if (typeof r.mcpDefer !== 'function') r.defineCommand('mcpDefer', { numberOfKeys: 2, lua: DEFER_SCRIPT });
  if (typeof r.mcpLeaseLegacy !== 'function') r.defineCommand('mcpLeaseLegacy', { numberOfKeys: 1, lua: LEGACY_LEASE_SCRIPT });
};

const parseEntry = (raw: string): InEntry | undefined => {
  try {
    const p = inEntrySchema.safeParse(JSON.parse(raw));
    return p.success ? p.data : undefined;
  } catch {
    return undefined; // not ours: dropped from the queue rather than looped on
  }
};

export function createDeferredQueue(redis: Redis, prefix: string, inStream: string): DeferredQueue {
  const r = redis as DeferredRedis;
  define(r);
  const key = deferredKey(prefix);
  const entries = `${key}:e`;
  const legacy = legacyDeferredKey(prefix);

  /** Passes of `lease` → XADD → `done` until nothing is due or `max` went out. */
  const drain = async (lease: () => Promise<{ raw: string[]; done: () => Promise<unknown> }>, limit: number, max: number) => {
    let total = 0;
    while (total < max) {
      const { raw, done } = await lease();
      if (!raw.length) break;
      // Concurrent XADDs share round trips (auto-pipelining); removed only once all are written.
      await Promise.all(raw.map((e) => parseEntry(e)).map((e) => (e ? xaddEntry(redis, inStream, e) : undefined)));
      await done();
      total += raw.length;
      if (raw.length < limit) break;
    }
    return total;
  };

  return {
    async defer(entry, until) {
      // One script, one slot: the entry is never held without its time, nor the reverse.
      await r.mcpDefer(key, entries, entry.id, until, JSON.stringify(entry));
    },
    async release(now, limit = 1_000, maxPerPass = 20_000) {
      const n = await drain(async () => {
        const leaseEnd = now + LEASE_MS;
        const pairs = await r.mcpLeaseDeferred(key, entries, now, limit, leaseEnd);
        const ids: string[] = [];
        const raw: string[] = [];
        for (let i = 0; i < pairs.length; i += 2) {
          ids.push(pairs[i]!);
          raw.push(pairs[i + 1]!);
        }
        return { raw, done: () => (ids.length ? r.mcpDeferredDone(key, entries, leaseEnd, ...ids) : Promise.resolve()) };
      }, limit, maxPerPass);
      if (n >= maxPerPass) return n;
      return n + (await drain(async () => {
        const raw = await r.mcpLeaseLegacy(legacy, now, limit, now + LEASE_MS);
        return { raw, done: () => (raw.length ? redis.zrem(legacy, ...raw) : Promise.resolve()) };
      }, limit, maxPerPass - n));
    },
    async wake(id, at = Date.now()) {
      // XX: only a held message; LT: only earlier (a held message is never pushed back).
      if ((await redis.zscore(key, id)) === null) return false;
      await redis.zadd(key, 'XX', 'LT', at, id);
      return true;
    },
    size: async () => (await redis.zcard(key)) + (await redis.zcard(legacy)),
  };
}
