import { parseReplacement, type Replacement, type VersionedReplacement } from '@smsgw/contracts';
import { IN_CHUNKS_LUA } from './lua-chunks';
import { defineDynamicKeyCommand, type Redis } from './redis-client';
import { createTickBatch } from '@smsgw/store';

/**
 * cancel_sm (SMPP v3.4 §4.9) against the hand-off to an SMSC. A message's id in its client's
 * backlog set (`<p>:backlog:{sys}`, see client-backlog.ts) is the token "not yet handed to an
 * SMSC"; exactly one of two scripts takes it:
 * - the ingress's CANCEL moves it from the backlog to `<p>:cancelled:{sys}` (same score: the
 *   message's expiry), so every stage that meets the message later sees it cancelled;
 * - the sender's HANDOFF, right before the message's first part is submitted, removes it from
 *   the backlog; only if it is gone AND in `cancelled` the message was cancelled first.
 * Redis runs a script whole, so a cancel and a handoff of one message are serialized: either
 * the cancel wins (never submitted) or the handoff wins (the cancel fails, the message goes).
 * replace_sm (§4.10) and replace_if_present_flag race the hand-off the same way: REPLACE
 * writes the message's new fields to `<p>:replaced:{sys}` only while the id is in the backlog,
 * and HANDOFF, in the same script that takes the id, refuses a copy older than the latest
 * replacement (entries carry the version they were built with, `rv`): either the replacement
 * is in before the hand-off and the replaced message is what goes, or the replace fails.
 * Every key carries the client's hash tag: one slot on Redis Cluster, so one script may use all.
 * An id in neither set (handed off by another copy, swept, never counted) is for the state
 * store to decide: sent already, or not yet.
 */

/** KEYS: backlog, cancelled, replaced. ARGV: id. Returns 1 when cancelled here, 0 when not cancellable. */
const CANCEL_SCRIPT = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], score, ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`;

/**
 * KEYS: backlog, cancelled, replaced, then one pending key per message (any key of the client's
 * slot when it has none). ARGV: per message its id, the copy's replacement version (0: none),
 * its pending-index member ('' when none). Answers per message, in order: 1 to submit (the id
 * left the backlog here), 0 when the message was cancelled, 2 when the id is in neither set —
 * handed off before by another copy, or never counted: only the state store can say whether it
 * went —, or the replacement (`<v>|<json>`) when the copy is older than it and the message is
 * still the client's to change: the copy is not sent, the replaced message goes instead. The
 * hand-offs of one client made in the same tick share one call (all its keys are in its slot):
 * one ZMSCORE and one HMGET read them all, one ZREM and one HDEL write them (a call from Lua
 * costs about as much as the command itself), and an id twice in one call is handed off once.
 */
const HANDOFF_SCRIPT = `${IN_CHUNKS_LUA}
local n = #ARGV / 3
local ids = {}
for i = 1, n do ids[i] = ARGV[3 * i - 2] end
local scores, reps = inChunks('ZMSCORE', KEYS[1], ids), inChunks('HMGET', KEYS[3], ids)
local out, gone, dropped, taken = {}, {}, {}, {}
for i = 1, n do
  local id, member = ids[i], ARGV[3 * i]
  local res = 2
  if scores[i] and not taken[id] then
    local r = reps[i]
    if r and tonumber(string.match(r, '^(%d+)|')) > tonumber(ARGV[3 * i - 1]) then
      res = r
    else
      taken[id] = true
      gone[#gone + 1] = id
      if r then dropped[#dropped + 1] = id end
      if member ~= '' then redis.call('ZREM', KEYS[3 + i], member) end
      res = 1
    end
  elseif redis.call('ZSCORE', KEYS[2], id) then
    res = 0
  end
  out[i] = res
end
inChunks('ZREM', KEYS[1], gone)
inChunks('HDEL', KEYS[3], dropped)
return out
`;

/**
 * KEYS: backlog, replaced. ARGV: id, the replacement's fields (JSON). While the message is the
 * client's to change (in its backlog), its replacement becomes the fields given over those of
 * the previous one, with the next version; returns that version, or 0 when the message was
 * handed to an SMSC already, has ended, or is not this client's.
 */
const REPLACE_SCRIPT = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local set = cjson.decode(ARGV[2])
local v = 1
local r = redis.call('HGET', KEYS[2], ARGV[1])
if r then
  local bar = string.find(r, '|', 1, true)
  v = tonumber(string.sub(r, 1, bar - 1)) + 1
  local prev = cjson.decode(string.sub(r, bar + 1))
  for k, val in pairs(set) do prev[k] = val end
  set = prev
end
redis.call('HSET', KEYS[2], ARGV[1], v .. '|' .. cjson.encode(set))
return v
`;

/** Why a cancelled message ended DELETED (its failure in `dlr-in`, the receipt, the journal). */
export const CANCEL_REASON = 'cancelled by the client (cancel_sm)';

/** The client's cancelled messages (hash tag of its backlog: the same slot on Redis Cluster). */
export const clientCancelledKey = (prefix: string, sys: string) => `${prefix}:cancelled:{${sys}}`;

/** The client's replaced messages: id → `<version>|<json>` (same slot as its backlog). */
export const clientReplacedKey = (prefix: string, sys: string) => `${prefix}:replaced:{${sys}}`;

/** What a stage knows of the copy it holds: its replacement version and its pending-index place. */
export interface HandoffCopy {
  rv?: number;
  /** The pending index's key and member of the message (pending-index.ts), when it has one. */
  pending?: { key: string; member: string };
}

/**
 * `go`: this copy took the message from the backlog, it is the one to send. `gone`: the id was
 * not in the backlog — another copy was handed off before (a message routed twice: a policy
 * redelivery, a second release), or it was never counted —, so the state store decides.
 */
export type HandoffResult = 'go' | 'gone' | 'cancelled' | { replaced: VersionedReplacement };

type CancelRedis = Redis & {
  smsgwCancel(backlog: string, cancelled: string, replaced: string, id: string): Promise<number>;
  smsgwHandoff(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<(number | string)[]>;
  smsgwReplace(backlog: string, replaced: string, id: string, set: string): Promise<number>;
};

/**
 * The cancel side of the client backlog. Ids stay in `cancelled` until the backlog's sweep
 * drops them (past their expiry plus the grace): every later copy of the message — a
 * redelivered entry, a held message released back to `in` — is still recognised, so a crash
 * between ending a cancelled message and acknowledging its entry never sends it after all.
 */
export function createCancelScripts(
  redis: Redis,
  backlogKey: (sys: string) => string,
  cancelledKey: (sys: string) => string,
  replacedKey: (sys: string) => string,
) {
  const r = redis as CancelRedis;
  if (typeof r.smsgwCancel !== 'function') r.defineCommand('smsgwCancel', { numberOfKeys: 3, lua: CANCEL_SCRIPT });
  defineDynamicKeyCommand(redis, 'smsgwHandoff', HANDOFF_SCRIPT);
  const handoffs = createTickBatch<{ id: string; copy: HandoffCopy }, number | string>((sys, items) => {
    const keys = [backlogKey(sys), cancelledKey(sys), replacedKey(sys), ...items.map((it) => it.copy.pending?.key ?? replacedKey(sys))];
    const args = items.flatMap((it) => [it.id, it.copy.rv ?? 0, it.copy.pending?.member ?? '']);
    return r.smsgwHandoff(keys.length, ...keys, ...args);
  });
  if (typeof r.smsgwReplace !== 'function') r.defineCommand('smsgwReplace', { numberOfKeys: 2, lua: REPLACE_SCRIPT });
  return {
    /**
     * Cancels a message not yet handed to an SMSC: true when it was in the client's backlog
     * (and is now in `cancelled`); false when it was handed off already, has ended, or is not
     * this client's.
     */
    async cancel(sys: string, id: string): Promise<boolean> {
      return (await r.smsgwCancel(backlogKey(sys), cancelledKey(sys), replacedKey(sys), id)) === 1;
    },
    /**
     * Replaces a message not yet handed to an SMSC (replace_sm, replace_if_present_flag): the
     * version of its replacement, or 0 when it can no longer be changed here.
     */
    async replace(sys: string, id: string, set: Replacement): Promise<number> {
      return r.smsgwReplace(backlogKey(sys), replacedKey(sys), id, JSON.stringify(set));
    },
    /**
     * Right before a message's first part goes to an SMSC: 'go', 'cancelled' when a cancel
     * won, or the replacement when the copy at hand is older than the message's latest one (it
     * must not go; the replaced message goes instead, and hands off in its turn). Once it said
     * 'go', no cancel or replace of that message can succeed any more.
     */
    async handoff(sys: string, id: string, copy: HandoffCopy = {}): Promise<HandoffResult> {
      const out = await handoffs(sys, { id, copy });
      if (out === 1) return 'go';
      if (out === 2) return 'gone';
      if (out === 0) return 'cancelled';
      const replaced = parseReplacement(String(out));
      // Unreadable (never written so by us): the message goes as it is rather than never.
      return replaced ? { replaced } : 'go';
    },
    /** The latest replacement of each of these messages that has one (one HMGET). */
    async replacementsOf(sys: string, ids: readonly string[]): Promise<Map<string, VersionedReplacement>> {
      if (!ids.length) return new Map();
      const raw = await redis.hmget(replacedKey(sys), ...ids);
      const out = new Map<string, VersionedReplacement>();
      raw.forEach((v, i) => {
        const parsed = parseReplacement(v);
        if (parsed) out.set(ids[i]!, parsed);
      });
      return out;
    },
    /** Which of these messages of the client were cancelled (one ZMSCORE). */
    async cancelledOf(sys: string, ids: readonly string[]): Promise<Set<string>> {
      if (!ids.length) return new Set();
      const scores = await redis.zmscore(cancelledKey(sys), ...ids);
      return new Set(ids.filter((_, i) => scores[i] !== null));
    },
    async isCancelled(sys: string, id: string): Promise<boolean> {
      return (await redis.zscore(cancelledKey(sys), id)) !== null;
    },
  };
}
