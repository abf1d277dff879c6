import { forwardSteps } from './transition-rules';

/*
 * Lua of the Redis state store. Each conditional write is one script body so it is atomic without
 * WATCH; each body touches one key (KEYS[1]) so it runs on Redis Cluster. The hot bodies run
 * through BATCH_LUA, several operations per call on one server. Message hash fields (see redis-store.ts for the full layout):
 *   st state · ua updatedAt · n parts · sg segments · sdc SMSC data_coding · t:<STATE> time · p:<i> final state of part i · s:<i> SMSC id of part i · r:<i> its raw form
 * Redis runs a script's whole body on every call, and each redis.call costs about as much as a
 * command from a client: the hot scripts read what they decide on with one HMGET, gather their
 * writes and make them with one HSET, then EXPIRE.
 */

/**
 * Every forward step as `|FROM>TO|` in one string constant: a plain find per check, where a Lua
 * table of the steps would be built again on every call.
 */
const ALLOWED = `local ALLOWED = '|${forwardSteps().join('|')}|'
local function allowed(from, to) return string.find(ALLOWED, '|' .. from .. '>' .. to .. '|', 1, true) ~= nil end
`;

const PUSH = `local function push(t, k, v) t[#t + 1] = k; t[#t + 1] = v end
`;

/** ARGV: ttl, field, value, ... → 1 created, 0 existed. */
const CREATE_BODY = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
`;

/**
 * The search index of one (client, destination): KEYS[1] a sorted set, member = message id,
 * score = createdAt. ARGV: at, id, oldest score kept (older ones are dropped), cap, ttl.
 * NX: a message created again (a redelivery, a held message released) keeps its first time.
 * Most destinations get one message at a time: a set of one member (ZCARD) has nothing to trim,
 * and the trim by rank runs only over the cap: three calls instead of four then.
 */
const INDEX_BODY = `
redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2])
local n = redis.call('ZCARD', KEYS[1])
if n > 1 then
  n = n - redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
  if n > tonumber(ARGV[4]) then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[4]) - 1) end
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
`;

/**
 * ARGV: to, at, ttl, err ('' = none), smsc ('' = none) → {applied, prev} or {0} when absent.
 * updatedAt stays monotonic (events can be processed out of order); the TTL is refreshed.
 */
export const TRANSITION_LUA = `${ALLOWED}${PUSH}
local h = redis.call('HMGET', KEYS[1], 'st', 'ua')
local cur = h[1]
if not cur then return {0} end
if not allowed(cur, ARGV[1]) then return {0, cur} end
local w = {'st', ARGV[1], 't:' .. ARGV[1], ARGV[2]}
if ARGV[4] ~= '' then push(w, 'err', ARGV[4]) end
if ARGV[5] ~= '' then push(w, 'smsc', ARGV[5]) end
if tonumber(ARGV[2]) > tonumber(h[2] or '0') then push(w, 'ua', ARGV[2]) end
redis.call('HSET', KEYS[1], unpack(w))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, cur}
`;

/**
 * ARGV: part, parts, smsc, smscMsgId, at, ttl, segments ('' = as parts), sdc ('' = none), raw SMSC id
 * ('' = none; kept only where it differs from smscMsgId, and a resend's replaces it), dc ('' = as
 * created), rd ('' = as created), traceparent ('' = none) → 1 recorded, 2 recorded
 * and every part is now acknowledged (the message moved to SUBMITTED), 0 message absent.
 * The one read takes the SMSC ids of the other parts the caller counts (ARGV parts); only a
 * record that counts more parts than that needs a second read.
 */
const SUBMIT_BODY = `
local k, part, parts = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local f = {'st', 'n', 'ua', 'r:' .. ARGV[1]}
for i = 0, parts - 1 do
  if i ~= part then f[#f + 1] = 's:' .. i end
end
local h = redis.call('HMGET', k, unpack(f))
local cur = h[1]
if not cur then return 0 end
local w = {'s:' .. ARGV[1], ARGV[4], 'smsc', ARGV[3]}
if ARGV[7] ~= '' then push(w, 'sg', ARGV[7]) end
if ARGV[8] ~= '' then push(w, 'sdc', ARGV[8]) end
if ARGV[10] ~= '' then push(w, 'dc', ARGV[10]) end
if ARGV[11] ~= '' then push(w, 'rd', ARGV[11]) end
if ARGV[12] ~= '' then push(w, 'tp', ARGV[12]) end
local raw = ARGV[9] ~= '' and ARGV[9] ~= ARGV[4]
if raw then push(w, 'r:' .. ARGV[1], ARGV[9]) end
local n = tonumber(h[2] or '0')
if parts > n then
  n = parts
  push(w, 'n', n)
end
if tonumber(ARGV[5]) > tonumber(h[3] or '0') then push(w, 'ua', ARGV[5]) end
-- Every part 0..n-1 acknowledged, this one included: the message moves to SUBMITTED in this write.
local all = true
for j = 5, #h do
  if not h[j] then all = false break end
end
if all and n > parts then
  local more = {}
  for i = parts, n - 1 do
    if i ~= part then more[#more + 1] = 's:' .. i end
  end
  if #more > 0 then
    for _, v in ipairs(redis.call('HMGET', k, unpack(more))) do
      if not v then all = false break end
    end
  end
end
local res = 1
if all and allowed(cur, 'SUBMITTED') then
  push(w, 'st', 'SUBMITTED')
  push(w, 't:SUBMITTED', ARGV[5])
  res = 2
end
redis.call('HSET', k, unpack(w))
if h[4] and not raw then redis.call('HDEL', k, 'r:' .. ARGV[1]) end
redis.call('EXPIRE', k, ARGV[6])
return res
`;

/**
 * The fields the part-final script (PART_FINAL_BODY) hands back, in this order, then `p:<i>`, `s:<i>` of every part
 * 0 … max(n, part + 1) - 1: what a receipt is built from (PartFinalRecord), not the whole hash.
 */
export const PART_FINAL_FIELDS = ['sys', 'src', 'dst', 'rd', 'st', 'n', 'sg', 'ca', 'ua', 'smsc', 'err', 'cid', 'tp', 't:SUBMITTED'] as const;
/** Lua (1-based) index of a field of PART_FINAL_FIELDS in the HMGET reply. */
const at = (f: (typeof PART_FINAL_FIELDS)[number]) => PART_FINAL_FIELDS.indexOf(f) + 1;

/** The part-final script's second reply element: what became of the whole message in that write. */
export const WHOLE_NOT_ASKED = 0;
export const WHOLE_MOVED = 1;
export const WHOLE_REFUSED = 2;

/**
 * ARGV: part, state, at, ttl, err ('' = none), whole ('' = none: the message's own state when
 * this part is its only one), whole err ('' = none) → {applied, whole, PART_FINAL_FIELDS values
 * after the write…, p:0, s:0, p:1, s:1, …}, a missing field as nil; {-1} when absent.
 * `whole` is applied — a forward step only, in the same HSET — when this write set the part and
 * the message has one part (n ≤ 1, part 0); the reply's `whole` says WHOLE_MOVED or
 * WHOLE_REFUSED then, WHOLE_NOT_ASKED otherwise (a multipart message: the caller decides on the
 * part states returned). The one read takes parts 0 … part; only parts beyond need a second.
 */
const PART_FINAL_BODY = `
local k, part = KEYS[1], tonumber(ARGV[1])
local FIXED = ${PART_FINAL_FIELDS.length}
local f = {${PART_FINAL_FIELDS.map((x) => `'${x}'`).join(', ')}}
for i = 0, part do push(f, 'p:' .. i, 's:' .. i) end
local h = redis.call('HMGET', k, unpack(f))
local st = h[${at('st')}]
if not st then return {-1} end
local n = tonumber(h[${at('n')}] or '0')
if n > part + 1 then
  local more = {}
  for i = part + 1, n - 1 do push(more, 'p:' .. i, 's:' .. i) end
  for _, v in ipairs(redis.call('HMGET', k, unpack(more))) do h[#h + 1] = v end
end
local applied, whole = 0, ${WHOLE_NOT_ASKED}
local pi = FIXED + 2 * part + 1
if not h[pi] then
  applied = 1
  h[pi] = ARGV[2]
  local w = {'p:' .. ARGV[1], ARGV[2]}
  if tonumber(ARGV[3]) > tonumber(h[${at('ua')}] or '0') then
    push(w, 'ua', ARGV[3])
    h[${at('ua')}] = ARGV[3]
  end
  local err = ARGV[5]
  if ARGV[6] ~= '' and part == 0 and n <= 1 then
    if allowed(st, ARGV[6]) then
      whole = ${WHOLE_MOVED}
      push(w, 'st', ARGV[6])
      push(w, 't:' .. ARGV[6], ARGV[3])
      h[${at('st')}] = ARGV[6]
      if ARGV[7] ~= '' then err = ARGV[7] end
    else
      whole = ${WHOLE_REFUSED}
    end
  end
  if err ~= '' then
    push(w, 'err', err)
    h[${at('err')}] = err
  end
  redis.call('HSET', k, unpack(w))
  redis.call('EXPIRE', k, ARGV[4])
end
table.insert(h, 1, whole)
table.insert(h, 1, applied)
return h
`;

/** The operations BATCH_LUA runs, by their code in its ARGV. */
export const BATCH_OPS = { create: 'c', index: 'i', submit: 's', partFinal: 'p', set: 'S', get: 'G' } as const;

/**
 * Several store operations in one call: KEYS[i] is operation i's key; ARGV is, per operation, its
 * code (BATCH_OPS), its argument count, then its arguments. Each operation is the single-key
 * script body of its name, run on its own key and arguments (`set`:
 * SET key value EX ttl; `get`: GET key) → one reply per operation, in order: what that script
 * answers, or an error reply for an operation that failed (the others still run; like any
 * script, a failed one's writes before the error stay). On one Redis server a tick's store calls
 * share it; on a Cluster each call covers one key's slot.
 */
export const BATCH_LUA = `${ALLOWED}${PUSH}
local OPS = {
  ${BATCH_OPS.create} = function(KEYS, ARGV) ${CREATE_BODY} end,
  ${BATCH_OPS.index} = function(KEYS, ARGV) ${INDEX_BODY} end,
  ${BATCH_OPS.submit} = function(KEYS, ARGV) ${SUBMIT_BODY} end,
  ${BATCH_OPS.partFinal} = function(KEYS, ARGV) ${PART_FINAL_BODY} end,
  ${BATCH_OPS.set} = function(KEYS, ARGV) return redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end,
  ${BATCH_OPS.get} = function(KEYS, ARGV) return redis.call('GET', KEYS[1]) end,
}
local out, n, a = {}, 0, 1
while a <= #ARGV do
  local op, na = OPS[ARGV[a]], tonumber(ARGV[a + 1])
  local as = {}
  for j = 1, na do as[j] = ARGV[a + 1 + j] end
  n = n + 1
  if not op then
    out[n] = redis.error_reply('unknown store operation ' .. tostring(ARGV[a]))
  else
    local ok, res = pcall(op, {KEYS[n]}, as)
    if not ok then
      out[n] = type(res) == 'table' and res.err and res or redis.error_reply(tostring(res))
    elseif res == nil then
      out[n] = false
    else
      out[n] = res
    end
  end
  a = a + 2 + na
end
return out
`;

/** ARGV: ttl, then field (state), count, field, count…: the counts of one stats key in one call, its TTL refreshed. */
export const INCR_STATS_LUA = `
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
`;
