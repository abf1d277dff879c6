import { randomUUID } from 'node:crypto';
import type { OutEntry, OutGroup } from '@smsgw/contracts';
import { xaddEntry, type Redis } from '@smsgw/redis';

/** Fewer open groups than this per client need no early closing (see `maxOpen`). */
export const DEFAULT_MAX_OPEN_GROUPS = 10_000;
/** A closed group its closer has not confirmed forwarded after this long is forwarded by the sweep. */
const FORWARD_LEASE_MS = 60_000;
/** Groups one sweep script takes at a time; the sweep loops until nothing due is left. */
const SWEEP_BATCH = 500;
/**
 * Hashes expire only as a last resort (a client gone from the config, whose groups no sweep
 * visits any more): a week past the timeout, far beyond what the sweep needs, so a
 * policy-worker outage never loses a part.
 */
const SAFETY_TTL_MS = 7 * 24 * 3600 * 1000;

// An open group's hash holds `seq → part JSON` and `t → total`. Closing one renames it to a
// fresh name (ARGV[1] .. n) listed in the closed set (KEYS[2]) until its forwarder confirms it;
// a forwarder that died before confirming leaves it there for the sweep, once the lease
// (ARGV[2]) ran out. Returned per group: name, why, {field, value…}.
// Redis Cluster: the scripts also touch keys they do not declare — the group hashes listed in
// the open/closed sets and the fresh names built from ARGV[1]. That is sound only because every
// one of them carries the client's hash tag `{<sys>}` like the declared KEYS (groupKey, names
// below), so all are in the slot the script was sent to: a cluster node runs such a script
// (Redis 7 allows undeclared keys of a local slot) and a slot migration moves them together.
// Declaring them is not possible — which groups close is decided inside the script.
const CLOSE = `
local out, n = {}, 0
local function close(key, why)
  redis.call('ZREM', KEYS[1], key)
  if redis.call('EXISTS', key) == 0 then return end
  n = n + 1
  local name = ARGV[1] .. n
  redis.call('RENAME', key, name)
  redis.call('ZADD', KEYS[2], ARGV[2], name)
  table.insert(out, name)
  table.insert(out, why)
  table.insert(out, redis.call('HGETALL', name))
end
`;

// KEYS[1] the client's open set (group key → deadline), KEYS[2] its closed set, KEYS[3] the
// group's hash (all under one hash tag). ARGV: name prefix, lease until, seq, part JSON, part
// id, total, deadline, ttl, max open groups.
const ADD = `${CLOSE}
local key, seq, total = KEYS[3], ARGV[3], ARGV[6]
local have = redis.call('HGET', key, seq)
if have then
  -- The same part again (a redelivery of the in entry): counted once.
  if cjson.decode(have).id == ARGV[5] then return out end
  close(key, 'collision')
else
  local t = redis.call('HGET', key, 't')
  if t and t ~= total then close(key, 'collision') end
end
redis.call('HSET', key, seq, ARGV[4], 't', total)
redis.call('PEXPIRE', key, ARGV[8])
if redis.call('HLEN', key) - 1 >= tonumber(total) then
  close(key, 'complete')
  return out
end
if redis.call('ZADD', KEYS[1], 'NX', ARGV[7], key) == 1 then
  local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[9])
  if excess > 0 then
    for _, k in ipairs(redis.call('ZRANGE', KEYS[1], 0, math.min(excess, 10) - 1)) do close(k, 'bound') end
  end
end
return out`;

// KEYS[1] open set, KEYS[2] closed set. ARGV: name prefix, lease until, now, limit.
// → {examined, name, why, parts, …}: open groups past their deadline are closed; closed groups
// whose forwarder never confirmed them are leased again.
const TAKE_DUE = `${CLOSE}
local limit = tonumber(ARGV[4])
local open = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[3], 'LIMIT', 0, limit)
for _, k in ipairs(open) do close(k, 'timeout') end
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3], 'LIMIT', 0, limit)
for _, k in ipairs(stale) do
  if redis.call('EXISTS', k) == 1 then
    redis.call('ZADD', KEYS[2], ARGV[2], k)
    table.insert(out, k)
    table.insert(out, 'unconfirmed')
    table.insert(out, redis.call('HGETALL', k))
  else
    redis.call('ZREM', KEYS[2], k)
  end
end
table.insert(out, 1, math.max(#open, #stale))
return out`;

type Cmds = Redis & {
  smsgwConcatAdd(k1: string, k2: string, k3: string, ...argv: (string | number)[]): Promise<(string | string[])[]>;
  smsgwConcatDue(k1: string, k2: string, ...argv: (string | number)[]): Promise<(number | string | string[])[]>;
};

/** Why a group left the open set: all parts came, or it goes on incomplete (see below). */
export type CloseReason = 'complete' | 'collision' | 'bound' | 'timeout' | 'unconfirmed';
export interface ClosedGroup {
  sys: string;
  /** Its key while it waits to be forwarded. */
  name: string;
  why: CloseReason;
  /** The parts that came, in part order. */
  parts: OutEntry[];
}

const ordered = (flat: string[]): OutEntry[] => {
  const parts: Array<[number, OutEntry]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i] !== 't') parts.push([Number(flat[i]), JSON.parse(flat[i + 1]!) as OutEntry]);
  }
  return parts.sort((a, b) => a[0] - b[0]).map(([, p]) => p);
};

const closedGroups = (sys: string, res: unknown[], from: number): ClosedGroup[] => {
  const out: ClosedGroup[] = [];
  for (let i = from; i + 2 < res.length; i += 3) {
    const parts = ordered(res[i + 2] as string[]);
    if (parts.length) out.push({ sys, name: res[i] as string, why: res[i + 1] as CloseReason, parts });
  }
  return out;
};

/**
 * Parts of a message the client concatenated itself wait here, per (client, destination,
 * reference), until all have come — then they go on as one group, in part order. Every part
 * ingress acknowledged leaves as part of some group, so it gets a final state and a receipt:
 * - A part whose slot (same number, or a different total) is taken by another message's part is
 *   a new message reusing the reference (an 8-bit reference wraps after 256 messages to one
 *   destination): the open group closes as it is, like on timeout, and the part starts the next
 *   one. Kannel discards such a duplicate, which would leave a part the client got a message_id
 *   for without an end; only the same part again (same message_id, a redelivery) counts once.
 * - After `timeoutMs` what came goes on as it is, each part its own submit with its own UDH
 *   (the handset shows the parts, which beats losing them; failing them would lose good text).
 * - A client holds at most `maxOpen` open groups: ingress cannot know, so a new group beyond it
 *   closes the client's oldest early, which then goes on as on timeout.
 * Closing is atomic per part (one script), so two workers holding parts of one message never
 * both forward it; a closed group stays in Redis until written to its `out` stream, so a
 * worker dying in between leaves it to the sweep. Keys of one client share a hash tag.
 */
export function createConcatGroups(redis: Redis, prefix: string, timeoutMs: number, opts: { maxOpen?: number } = {}) {
  const r = redis as Cmds;
  if (!r.smsgwConcatAdd) {
    redis.defineCommand('smsgwConcatAdd', { numberOfKeys: 3, lua: ADD });
    redis.defineCommand('smsgwConcatDue', { numberOfKeys: 2, lua: TAKE_DUE });
  }
  const maxOpen = opts.maxOpen ?? DEFAULT_MAX_OPEN_GROUPS;
  const ttl = timeoutMs + SAFETY_TTL_MS;
  const openKey = (sys: string) => `${prefix}:concat-due:{${sys}}`;
  const closedKey = (sys: string) => `${prefix}:concat-closed:{${sys}}`;
  const groupKey = (sys: string, dst: string, ref: number) => `${prefix}:concat:{${sys}}:${dst}:${ref}`;
  // Unique per script call; the script numbers the groups it closes.
  const names = (sys: string) => `${prefix}:concat:{${sys}}:#${randomUUID()}:`;

  const take = async (sys: string, now: number) => {
    const res = await r.smsgwConcatDue(openKey(sys), closedKey(sys), names(sys), now + FORWARD_LEASE_MS, now, SWEEP_BATCH);
    return { examined: Number(res[0]), groups: closedGroups(sys, res, 1) };
  };

  const groups = {
    /**
     * Adds a routed part. Resolves with the groups this part closed — its own when it completed
     * it, another message's it displaced — to be handed to `forward`; empty while it waits.
     */
    async add(part: OutEntry, info: { ref: number; total: number; seq: number }, now = Date.now()): Promise<ClosedGroup[]> {
      const res = await r.smsgwConcatAdd(
        openKey(part.sys), closedKey(part.sys), groupKey(part.sys, part.dst.norm, info.ref),
        names(part.sys), now + FORWARD_LEASE_MS, info.seq, JSON.stringify(part), part.id, info.total, now + timeoutMs, ttl, maxOpen,
      );
      return closedGroups(part.sys, res, 0);
    },

    /** Writes each group to its pool's `out` stream, then lets it go; one not written stays for the sweep. */
    async forward(closed: readonly ClosedGroup[], out: (pool: string) => string): Promise<void> {
      const written = await Promise.allSettled(closed.map((g) => {
        const pool = g.parts[0]!.pool;
        return xaddEntry(redis, out(pool), { k: 'group', pool, parts: g.parts } satisfies OutGroup);
      }));
      const done = closed.filter((_, i) => written[i]!.status === 'fulfilled');
      const bySys = new Map<string, ClosedGroup[]>();
      for (const g of done) {
        const same = bySys.get(g.sys);
        if (same) same.push(g);
        else bySys.set(g.sys, [g]);
      }
      await Promise.all([...bySys].map(([sys, gs]) => {
        const keys = gs.map((g) => g.name);
        return redis.multi().del(...keys).zrem(closedKey(sys), ...keys).exec();
      }));
      const failed = written.find((w) => w.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    },

    /**
     * Forwards every group of these clients that is due — incomplete past the timeout, or closed
     * by a worker that died before forwarding it — in batches until none is left, so no group
     * waits for a later run while its hash ages. Resolves with how many went on, by reason.
     */
    async sweep(clients: readonly string[], out: (pool: string) => string, now = Date.now()): Promise<Partial<Record<CloseReason, number>>> {
      const counts: Partial<Record<CloseReason, number>> = {};
      for (const sys of clients) {
        for (;;) {
          const { examined, groups: due } = await take(sys, now);
          await groups.forward(due, out);
          for (const g of due) counts[g.why] = (counts[g.why] ?? 0) + 1;
          if (examined < SWEEP_BATCH) break;
        }
      }
      return counts;
    },
  };
  return groups;
}

export type ConcatGroups = ReturnType<typeof createConcatGroups>;
