import { inEntrySchema, type InEntry } from '@smsgw/contracts';
import { xaddEntry, type Redis } from '@smsgw/redis';

/**
 * Messages held until a time — a quiet-hours `defer` rule's end, or the client's
 * schedule_delivery_time: a sorted set scored by release time, member the `in` entry itself (the
 * same entry deferred twice is one member). Due members are leased by moving their score forward
 * in one script, written back to `in` — where the whole policy runs again — and only then
 * removed; a worker that dies in between leaves them to be released again when the lease ends
 * (at-least-once; a second copy is handled as any redelivery). One release pass takes due
 * members in batches until none is left or `maxPerPass` went out, so a million messages due at
 * once drain at thousands per second without one pass holding Redis for long.
 */
const LEASE_SCRIPT = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[3], m) end
return due
`;

const LEASE_MS = 60_000;

type LeaseRedis = Redis & { mcpLeaseDeferred(key: string, now: number, limit: number, until: number): Promise<string[]> };

export interface DeferredQueue {
  defer(entry: InEntry, until: number): Promise<void>;
  /** Moves due messages back to `in` (batches of `limit`, at most `maxPerPass`); returns how many. */
  release(now: number, limit?: number, maxPerPass?: number): Promise<number>;
  size(): Promise<number>;
}

export function createDeferredQueue(redis: Redis, key: string, inStream: string): DeferredQueue {
  const r = redis as LeaseRedis;
  if (typeof r.mcpLeaseDeferred !== 'function') r.defineCommand('mcpLeaseDeferred', { numberOfKeys: 1, lua: LEASE_SCRIPT });
  return {
    async defer(entry, until) {
      await redis.zadd(key, until, JSON.stringify(entry));
    },
    async release(now, limit = 1_000, maxPerPass = 20_000) {
      let total = 0;
      while (total < maxPerPass) {
        const due = await r.mcpLeaseDeferred(key, now, limit, now + LEASE_MS);
        if (!due.length) break;
        const entries = due.map((member) => {
          try {
            return inEntrySchema.safeParse(JSON.parse(member));
          } catch {
            return undefined; // not ours: dropped from the queue below rather than looping on it
          }
        });
        // Concurrent XADDs share round trips (auto-pipelining); removed only once all are written.
        await Promise.all(entries.map((p) => (p?.success ? xaddEntry(redis, inStream, p.data) : undefined)));
        await redis.zrem(key, ...due);
        total += due.length;
        if (due.length < limit) break;
      }
      return total;
    },
    size: () => redis.zcard(key),
  };
}
