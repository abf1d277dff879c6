import { createHash } from 'node:crypto';
import { localDate, type CountingChecks, type PolicyReason } from '@smsgw/domain';
import type { PolicyKeys } from './policy-keys';
import type { Redis } from '@smsgw/redis';

/**
 * Check-and-count in one atomic step per message: the duplicate window and the frequency caps
 * (business rules), then the day/month quotas (authorization), and only when all pass, count
 * the message everywhere and set its marker. The marker makes a redelivered entry pass again
 * without being counted twice; caps are sorted sets keyed by the message UUID and the
 * duplicate key holds the UUID (and time) of the message that set it, so a message is never its
 * own duplicate. Windows are judged by the worker's clock passed in; the TTLs only clean up. Every key carries the client's hash tag.
 *
 * With `dry` set (the admin API's route test) it answers the same way and writes nothing: no
 * count, no marker, no duplicate key, not even the trimming of old cap entries.
 *
 * KEYS: marker, cap zset, dup key, day counter, month counter
 * ARGV: id, now, markerTtlMs, caps "max:windowMs,…", dupWindowMs, dayMax, monthMax, dayTtlMs, monthTtlMs, dry (1/0)
 */
const COUNT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'pass' end
local id = ARGV[1]
local now = tonumber(ARGV[2])
local dupMs = tonumber(ARGV[5])
local dry = ARGV[10] == '1'
if dupMs > 0 then
  local v = redis.call('GET', KEYS[3])
  if v then
    local sep = string.find(v, ' ', 1, true)
    if string.sub(v, 1, sep - 1) ~= id and tonumber(string.sub(v, sep + 1)) > now - dupMs then return 'duplicate-content' end
  end
end
local longest = 0
local caps = {}
for max, win in string.gmatch(ARGV[4], '(%d+):(%d+)') do
  local w = tonumber(win)
  caps[#caps + 1] = { tonumber(max), w }
  if w > longest then longest = w end
end
if longest > 0 then
  if not dry then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%d', now - longest)) end
  for _, c in ipairs(caps) do
    if redis.call('ZCOUNT', KEYS[2], '(' .. string.format('%d', now - c[2]), '+inf') >= c[1] then return 'frequency-cap' end
  end
end
local dayMax = tonumber(ARGV[6])
local monthMax = tonumber(ARGV[7])
if dayMax > 0 and tonumber(redis.call('GET', KEYS[4]) or '0') >= dayMax then return 'daily-quota' end
if monthMax > 0 and tonumber(redis.call('GET', KEYS[5]) or '0') >= monthMax then return 'monthly-quota' end
if dry then return 'pass' end
if longest > 0 then
  redis.call('ZADD', KEYS[2], now, id)
  redis.call('PEXPIRE', KEYS[2], longest)
end
if dupMs > 0 then redis.call('SET', KEYS[3], id .. ' ' .. string.format('%d', now), 'PX', dupMs) end
if dayMax > 0 then
  redis.call('INCR', KEYS[4])
  redis.call('PEXPIRE', KEYS[4], ARGV[8])
end
if monthMax > 0 then
  redis.call('INCR', KEYS[5])
  redis.call('PEXPIRE', KEYS[5], ARGV[9])
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[3])
return 'pass'
`;

/** How long a counted message is remembered as counted (redeliveries come within minutes). */
const MARKER_TTL_MS = 86_400_000;
const DAY_TTL_MS = 2 * 86_400_000;
const MONTH_TTL_MS = 32 * 86_400_000;

export interface CountItem {
  id: string;
  sys: string;
  dst: string;
  /** Raw content and data_coding: what "the same text" means for the duplicate window. */
  sm: string;
  dc: number;
  counting: CountingChecks;
}

type CountingRedis = Redis & {
  mcpCount(...args: Array<string | number>): Promise<string>;
};

/**
 * Returns, per item, 'pass' or the reason it was refused; all items of a batch in one round trip.
 * `dry`: the same checks, nothing counted (what the item would get now).
 */
export function createCounter(redis: Redis, keys: PolicyKeys) {
  const r = redis as CountingRedis;
  if (typeof r.mcpCount !== 'function') r.defineCommand('mcpCount', { numberOfKeys: 5, lua: COUNT_SCRIPT });
  return async (items: readonly CountItem[], now: number, dry = false): Promise<Array<'pass' | PolicyReason>> => {
    if (!items.length) return [];
    // One script call per item, sent together (one round trip; auto-pipelined) but not as one
    // pipeline: items of different clients touch keys of different cluster slots.
    return Promise.all(items.map((it) => {
      const c = it.counting;
      const marker = keys.marker(it.sys, it.id);
      const q = c.quota;
      const dupKey = c.dupWindowMs ? keys.dup(it.sys, createHash('sha1').update(`${it.dst}\0${it.dc}\0${it.sm}`).digest('hex')) : marker;
      return r.mcpCount(
        marker,
        c.caps?.length ? keys.cap(it.sys, it.dst) : marker,
        dupKey,
        q?.day ? keys.quotaDay(it.sys, localDate(now, q.timezone)) : marker,
        q?.month ? keys.quotaMonth(it.sys, localDate(now, q.timezone).slice(0, 7)) : marker,
        it.id,
        now,
        MARKER_TTL_MS,
        (c.caps ?? []).map((cap) => `${cap.max}:${cap.windowMs}`).join(','),
        c.dupWindowMs ?? 0,
        q?.day ?? 0,
        q?.month ?? 0,
        DAY_TTL_MS,
        MONTH_TTL_MS,
        dry ? 1 : 0,
      ) as Promise<'pass' | PolicyReason>;
    }));
  };
}
