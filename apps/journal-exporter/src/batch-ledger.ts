import { decodeFields, type Redis } from '@smsgw/redis';
import type { RawEntry } from './batch-build';

/** What is recorded in Redis about a batch before its objects are uploaded. */
export interface BatchManifest {
  v: 1;
  /** `<instance>-<first>-<last>`, unique among open batches. */
  batch: string;
  /** Every stream id of the batch, in stream order. */
  ids: string[];
  /** The object key of each group (`<bucket>|<hour>`) of the batch. */
  objects: Array<{ group: string; bucket: 'proxy' | 'mcp'; key: string }>;
  /** When it was opened (ms), for the operator's eyes. */
  openedAt: number;
}

export interface BatchLedger {
  /**
   * Records the batch before its upload, if every entry is still pending on `consumer` and in
   * no other open batch (one atomic script); otherwise records nothing and returns the ids that
   * failed the check (taken over by another exporter, acknowledged, or in another batch).
   */
  open(m: BatchManifest): Promise<{ ok: true } | { ok: false; rejected: string[] }>;
  /** The open batch of each id that is in one. */
  lookup(ids: string[]): Promise<Map<string, string>>;
  load(batch: string): Promise<BatchManifest | undefined>;
  /** The entries still in the stream, by id. */
  fetch(ids: string[]): Promise<Map<string, RawEntry>>;
  /**
   * Acks the batch's entries, forgets the batch and adds its statistics, all at once, and only
   * if the batch is still open; false: someone else closed it first (nothing was done).
   */
  close(m: BatchManifest, stats: Map<number, Map<string, number>>): Promise<boolean>;
  /** Statistics periods with counts not yet in a snapshot, that started before `before`. */
  duePeriods(before: number): Promise<number[]>;
  readStats(period: number): Promise<{ total: number; counts: Map<string, number> }>;
  /** Marks the period's snapshot written, unless records for it arrived since it was read. */
  markSnapshot(period: number, total: number): Promise<boolean>;
  keys: { open: string; batch(id: string): string; stats(period: number): string; statsDue: string };
}

export interface BatchLedgerOptions {
  redis: Redis;
  /** The journal stream; its name is also the hash tag of every ledger key (same cluster slot). */
  stream: string;
  group: string;
  /** This process' consumer name in the group. */
  consumer: string;
  /** How long statistics counts are kept after their last change (late records). */
  statsTtlSeconds?: number;
}

// Lua's unpack() has a stack limit of a few thousand values: call in chunks.
const CHUNK = `local function chunked(cmd, key, list, first, extra)
  local i = first
  while i <= #list do
    local args = {}
    for j = i, math.min(i + 499, #list) do args[#args + 1] = list[j] end
    if extra then redis.call(cmd, key, extra, unpack(args)) else redis.call(cmd, key, unpack(args)) end
    i = i + 500
  end
end
`;

// KEYS: stream, open hash, manifest. ARGV: group, consumer, batch id, manifest json, ids…
const OPEN = `local bad = {}
for i = 5, #ARGV do
  local id = ARGV[i]
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2])
  if #p == 0 or redis.call('HEXISTS', KEYS[2], id) == 1 then bad[#bad + 1] = id end
end
if #bad > 0 then return bad end
for i = 5, #ARGV, 250 do
  local args = {}
  for j = i, math.min(i + 249, #ARGV) do args[#args + 1] = ARGV[j]; args[#args + 1] = ARGV[3] end
  redis.call('HSET', KEYS[2], unpack(args))
end
redis.call('SET', KEYS[3], ARGV[4])
return {}`;

// KEYS: stream, open hash, manifest, stats-due, stats keys… ARGV: group, ttl, n stats keys,
// then per stats key: period, field count, field, n, field, n…; then the ids.
const CLOSE = `${CHUNK}
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
local nstats = tonumber(ARGV[3])
local a = 4
for k = 1, nstats do
  local period = ARGV[a]; local nf = tonumber(ARGV[a + 1]); a = a + 2
  local total = 0
  for f = 1, nf do
    redis.call('HINCRBY', KEYS[4 + k], ARGV[a], ARGV[a + 1])
    total = total + tonumber(ARGV[a + 1])
    a = a + 2
  end
  redis.call('HINCRBY', KEYS[4 + k], '_total', total)
  redis.call('EXPIRE', KEYS[4 + k], ARGV[2])
  redis.call('ZADD', KEYS[4], period, period)
end
local ids = {}
for i = a, #ARGV do ids[#ids + 1] = ARGV[i] end
chunked('XACK', KEYS[1], ids, 1, ARGV[1])
chunked('HDEL', KEYS[2], ids, 1)
redis.call('DEL', KEYS[3])
return 1`;

// KEYS: stats hash, stats-due. ARGV: period, total read.
const MARK = `if tonumber(redis.call('HGET', KEYS[1], '_total') or '0') ~= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

/**
 * The Redis side of exactly-once objects. Every key carries the journal stream's name as its
 * hash tag, so on Redis Cluster the scripts that touch the stream and the ledger run in one slot.
 */
export function createBatchLedger(o: BatchLedgerOptions): BatchLedger {
  const { redis, stream, group, consumer } = o;
  const tag = `{${stream}}`;
  const keys = {
    open: `${stream}:open:${tag}`,
    batch: (id: string) => `${stream}:batch:${tag}:${id}`,
    stats: (period: number) => `${stream}:stats:${tag}:${period}`,
    statsDue: `${stream}:stats-due:${tag}`,
  };
  const ttl = o.statsTtlSeconds ?? 7 * 24 * 3600;

  return {
    keys,
    async open(m) {
      const bad = (await redis.eval(OPEN, 3, stream, keys.open, keys.batch(m.batch), group, consumer, m.batch, JSON.stringify(m), ...m.ids)) as string[];
      return bad.length ? { ok: false, rejected: bad } : { ok: true };
    },
    async lookup(ids) {
      const out = new Map<string, string>();
      if (!ids.length) return out;
      const got = await redis.hmget(keys.open, ...ids);
      got.forEach((b, i) => b && out.set(ids[i], b));
      return out;
    },
    async load(batch) {
      const raw = await redis.get(keys.batch(batch));
      return raw ? (JSON.parse(raw) as BatchManifest) : undefined;
    },
    async fetch(ids) {
      const out = new Map<string, RawEntry>();
      if (!ids.length) return out;
      const p = redis.pipeline();
      for (const id of ids) p.xrange(stream, id, id);
      const res = (await p.exec()) ?? [];
      res.forEach(([err, rows]) => {
        if (err) throw err;
        for (const [id, fields] of (rows as [string, string[]][]) ?? []) out.set(id, { id, ...decodeFields(fields) });
      });
      return out;
    },
    async close(m, stats) {
      const statKeys: string[] = [];
      const statArgs: (string | number)[] = [];
      for (const [period, counts] of stats) {
        statKeys.push(keys.stats(period));
        statArgs.push(period, counts.size);
        for (const [f, n] of counts) statArgs.push(f, n);
      }
      const done = await redis.eval(
        CLOSE, 4 + statKeys.length, stream, keys.open, keys.batch(m.batch), keys.statsDue, ...statKeys,
        group, ttl, statKeys.length, ...statArgs, ...m.ids,
      );
      return done === 1;
    },
    async duePeriods(before) {
      return (await redis.zrangebyscore(keys.statsDue, '-inf', `(${before}`)).map(Number);
    },
    async readStats(period) {
      const h = await redis.hgetall(keys.stats(period));
      const counts = new Map<string, number>();
      let total = 0;
      for (const [f, n] of Object.entries(h)) {
        if (f === '_total') total = Number(n);
        else counts.set(f, Number(n));
      }
      return { total, counts };
    },
    async markSnapshot(period, total) {
      return (await redis.eval(MARK, 2, keys.stats(period), keys.statsDue, period, total)) === 1;
    },
  };
}
