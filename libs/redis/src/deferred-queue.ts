import { inEntrySchema, type InEntry } from '@smsgw/contracts';
import type { Redis } from './redis-client';
import { xaddEntry } from './stream-entry';

/**
 * Messages held until a time — a quiet-hours `defer` rule's end, or the client's
 * schedule_delivery_time: a sorted set scored by release time, member the `in` entry itself,
 * and beside it a hash from each message's id to its member (both under the hash tag
 * `{deferred}`: one slot on Redis Cluster). A message is held once: deferring it again (a
 * replaced copy) takes its earlier member out. Due members are leased by moving their score
 * forward in one script, written back to `in` — where the whole policy runs again — and only
 * then removed; a worker that dies in between leaves them to be released again when the lease
 * ends (at-least-once; a second copy is handled as any redelivery). One release pass takes due
 * members in batches until none is left or `maxPerPass` went out, so a million messages due at
 * once drain at thousands per second without one pass holding Redis for long. `wake` brings a
 * held message forward to now (replace_sm changed it: the policy decides again at once).
 */
const LEASE_SCRIPT = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[3], m) end
return due
`;

/** KEYS: queue, ids. ARGV: id, release time, member. */
const DEFER_SCRIPT = `
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old and old ~= ARGV[3] then redis.call('ZREM', KEYS[1], old) end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
`;

/** KEYS: queue, ids. ARGV: member, id, member, id…: released members leave both. */
const DONE_SCRIPT = `
for i = 1, #ARGV, 2 do
  redis.call('ZREM', KEYS[1], ARGV[i])
  if redis.call('HGET', KEYS[2], ARGV[i + 1]) == ARGV[i] then redis.call('HDEL', KEYS[2], ARGV[i + 1]) end
end
return 1
`;

/** KEYS: queue, ids. ARGV: id, time. Moves a held message's release earlier; 1 when it was held. */
const WAKE_SCRIPT = `
local m = redis.call('HGET', KEYS[2], ARGV[1])
if not m or not redis.call('ZSCORE', KEYS[1], m) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', 'LT', ARGV[2], m)
return 1
`;

const LEASE_MS = 60_000;

/** The held messages' sorted set; its id index is `<key>:ids`. */
export const deferredKey = (prefix: string) => `${prefix}:pol:{deferred}`;
/** Where releases before the id index held messages (no hash tag): still released, never added to. */
export const legacyDeferredKey = (prefix: string) => `${prefix}:pol:deferred`;

type DeferredRedis = Redis & {
  mcpLeaseDeferred(key: string, now: number, limit: number, until: number): Promise<string[]>;
  mcpDefer(key: string, ids: string, id: string, until: number, member: string): Promise<number>;
  mcpDeferredDone(key: string, ids: string, ...pairs: string[]): Promise<number>;
  mcpWakeDeferred(key: string, ids: string, id: string, at: number): Promise<number>;
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
  if (typeof r.mcpLeaseDeferred !== 'function') r.defineCommand('mcpLeaseDeferred', { numberOfKeys: 1, lua: LEASE_SCRIPT });
  if (typeof r.mcpDefer !== 'function') r.defineCommand('mcpDefer', { numberOfKeys: 2, lua: DEFER_SCRIPT });
  if (typeof r.mcpDeferredDone !== 'function') r.defineCommand('mcpDeferredDone', { numberOfKeys: 2, lua: DONE_SCRIPT });
  if (typeof r.mcpWakeDeferred !== 'function') r.defineCommand('mcpWakeDeferred', { numberOfKeys: 2, lua: WAKE_SCRIPT });
};

export function createDeferredQueue(redis: Redis, prefix: string, inStream: string): DeferredQueue {
  const r = redis as DeferredRedis;
  define(r);
  const key = deferredKey(prefix);
  const ids = `${key}:ids`;
  const legacy = legacyDeferredKey(prefix);

  /** One pass over one sorted set; `done` removes what went back to `in`. */
  const releaseFrom = async (from: string, now: number, limit: number, max: number, done: (members: string[], entries: (InEntry | undefined)[]) => Promise<unknown>) => {
    let total = 0;
    while (total < max) {
      const due = await r.mcpLeaseDeferred(from, now, limit, now + LEASE_MS);
      if (!due.length) break;
      const entries = due.map((member) => {
        try {
          const p = inEntrySchema.safeParse(JSON.parse(member));
          return p.success ? p.data : undefined;
        } catch {
          return undefined; // not ours: dropped from the queue below rather than looping on it
        }
      });
      // Concurrent XADDs share round trips (auto-pipelining); removed only once all are written.
      await Promise.all(entries.map((e) => (e ? xaddEntry(redis, inStream, e) : undefined)));
      await done(due, entries);
      total += due.length;
      if (due.length < limit) break;
    }
    return total;
  };

  return {
    async defer(entry, until) {
      await r.mcpDefer(key, ids, entry.id, until, JSON.stringify(entry));
    },
    async release(now, limit = 1_000, maxPerPass = 20_000) {
      const n = await releaseFrom(key, now, limit, maxPerPass, (members, entries) =>
        r.mcpDeferredDone(key, ids, ...members.flatMap((m, i) => [m, entries[i]?.id ?? ''])),
      );
      return n + (n < maxPerPass ? await releaseFrom(legacy, now, limit, maxPerPass - n, (members) => redis.zrem(legacy, ...members)) : 0);
    },
    async wake(id, at = Date.now()) {
      return (await r.mcpWakeDeferred(key, ids, id, at)) === 1;
    },
    size: async () => (await redis.zcard(key)) + (await redis.zcard(legacy)),
  };
}
