import { IN_CHUNKS_LUA } from './lua-chunks';
import type { Redis } from './redis-client';

/**
 * Per client, its messages not yet handed to an SMSC by source and destination: what the
 * mass cancel_sm (§4.9.1: no message_id, every message from a source to a destination, of a
 * service_type when given) and replace_if_present_flag (§5.2.18: the queued message with the
 * same source, destination and service_type) look up. One sorted set per (client, source,
 * destination) in the client's hash-tag slot — the slot of its backlog, so the counting and
 * the hand-off scripts keep it in step in the same call — member
 * `<service_type>|<accepted ms>|<id>`, scored by the message's expiry. The hand-off removes a message's member, and so does its end
 * before one; a set left empty is gone, and the key expires with the last of its messages
 * (plus the backlog's grace), so a member whose removal was missed never outlives its message
 * by long. A stale member is harmless: the cancel and replace scripts act only on ids still in
 * the backlog.
 */
export const pendingKey = (prefix: string, sys: string, src: string, dst: string) => `${prefix}:pending:{${sys}}:${src}:${dst}`;

export const pendingMember = (svc: string | undefined, at: number, id: string) => `${svc ?? ''}|${at}|${id}`;

/** A message as the index knows it: enough to name its key and member. */
export interface PendingMessage {
  id: string;
  sys: string;
  at: number;
  svc?: string;
  src: { norm: string };
  dst: { norm: string };
}

export const pendingPlace = (prefix: string, m: PendingMessage) => ({ key: pendingKey(prefix, m.sys, m.src.norm, m.dst.norm), member: pendingMember(m.svc, m.at, m.id) });

/**
 * KEYS: backlog, then one pending key per message (the backlog's key again for a message not
 * indexed). ARGV: per message its expiry (the score), id, pending member ('' = not indexed), when
 * the pending key may expire. Counts accepted messages and indexes them in one call — the
 * submits of one client in one tick share it, and their backlog entries are one ZADD (a call from
 * Lua costs about as much as the command itself: ~1.2 µs), made first; a pending key's expiry
 * only ever moves later (PEXPIRETIME, Redis 7).
 */
export const COUNT_SCRIPT = `${IN_CHUNKS_LUA}
local adds = {}
for i = 1, #ARGV, 4 do
  adds[#adds + 1] = ARGV[i]
  adds[#adds + 1] = ARGV[i + 1]
end
inChunks('ZADD', KEYS[1], adds)
for i = 1, #ARGV, 4 do
  if ARGV[i + 2] ~= '' then
    local k = KEYS[1 + (i + 3) / 4]
    redis.call('ZADD', k, ARGV[i], ARGV[i + 2])
    if redis.call('PEXPIRETIME', k) < tonumber(ARGV[i + 3]) then redis.call('PEXPIREAT', k, ARGV[i + 3]) end
  end
end
return 1
`;

export interface PendingEntry {
  id: string;
  svc: string;
  /** When it was accepted (ms). */
  at: number;
  /** Its expiry (ms). */
  exp: number;
}

/** The messages indexed under (client, source, destination), the latest accepted first. */
export async function pendingOf(redis: Redis, key: string): Promise<PendingEntry[]> {
  const flat = await redis.zrange(key, '0', '-1', 'WITHSCORES');
  const out: PendingEntry[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    // The service_type may hold '|' itself: the last two fields are read from the end.
    const m = /^(.*)\|(\d+)\|([^|]+)$/s.exec(flat[i]!);
    if (m) out.push({ svc: m[1]!, at: Number(m[2]), id: m[3]!, exp: Number(flat[i + 1]) });
  }
  return out.sort((a, b) => b.at - a.at);
}
