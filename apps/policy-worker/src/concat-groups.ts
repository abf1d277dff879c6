import type { OutEntry } from '@smsgw/contracts';
import type { Redis } from '@smsgw/redis';

// KEYS[1] the group's hash (seq → part), KEYS[2] the client's due set (same hash tag).
// ARGV: seq, part JSON, total, deadline ms, ttl ms, group key name.
// → every part (seq, json, seq, json…) when this one completed the group (which is removed), else {}.
const ADD = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  local all = redis.call('HGETALL', KEYS[1])
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[6])
  return all
end
redis.call('ZADD', KEYS[2], 'NX', ARGV[4], ARGV[6])
return {}`;

// KEYS[1] the client's due set. ARGV: now, limit → {groupKey, {seq, json…}, groupKey, …}, each taken (removed).
const TAKE_DUE = `
local out = {}
for _, k in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))) do
  redis.call('ZREM', KEYS[1], k)
  local all = redis.call('HGETALL', k)
  redis.call('DEL', k)
  if #all > 0 then
    table.insert(out, k)
    table.insert(out, all)
  end
end
return out`;

type Cmds = Redis & {
  smsgwConcatAdd(k1: string, k2: string, seq: number, json: string, total: number, deadline: number, ttl: number, name: string): Promise<string[]>;
  smsgwConcatDue(k1: string, now: number, limit: number): Promise<(string | string[])[]>;
};

const ordered = (flat: string[]): OutEntry[] => {
  const parts: Array<[number, OutEntry]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) parts.push([Number(flat[i]), JSON.parse(flat[i + 1]!) as OutEntry]);
  return parts.sort((a, b) => a[0] - b[0]).map(([, p]) => p);
};

/**
 * Parts of a message the client concatenated itself wait here, per (client, destination,
 * reference), until all have come — then they go on as one group, in part order — or until
 * `timeoutMs` passes, when what came goes on as it is. Atomic per part (one script), so two
 * workers holding parts of one message never both forward it; keys of one client share a hash tag.
 */
export function createConcatGroups(redis: Redis, prefix: string, timeoutMs: number) {
  const r = redis as Cmds;
  if (!r.smsgwConcatAdd) {
    redis.defineCommand('smsgwConcatAdd', { numberOfKeys: 2, lua: ADD });
    redis.defineCommand('smsgwConcatDue', { numberOfKeys: 1, lua: TAKE_DUE });
  }
  const dueKey = (sys: string) => `${prefix}:concat-due:{${sys}}`;
  const groupKey = (sys: string, dst: string, ref: number) => `${prefix}:concat:{${sys}}:${dst}:${ref}`;
  return {
    /** Adds a routed part; resolves with the whole group (in order) when this part completed it. */
    async add(part: OutEntry, info: { ref: number; total: number; seq: number }, now = Date.now()): Promise<OutEntry[] | null> {
      const key = groupKey(part.sys, part.dst.norm, info.ref);
      const all = await r.smsgwConcatAdd(key, dueKey(part.sys), info.seq, JSON.stringify(part), info.total, now + timeoutMs, timeoutMs * 10 + 60_000, key);
      return all.length ? ordered(all) : null;
    },
    /** Groups of these clients still incomplete after the timeout, taken (each returned once). */
    async due(clients: readonly string[], now = Date.now()): Promise<OutEntry[][]> {
      const out: OutEntry[][] = [];
      for (const sys of clients) {
        const res = await r.smsgwConcatDue(dueKey(sys), now, 100);
        for (let i = 0; i + 1 < res.length; i += 2) out.push(ordered(res[i + 1] as string[]));
      }
      return out;
    },
  };
}

export type ConcatGroups = ReturnType<typeof createConcatGroups>;
