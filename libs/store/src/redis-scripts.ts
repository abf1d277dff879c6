import { forwardSteps } from './transition-rules';

/*
 * Lua of the Redis state store. Each conditional write is one script so it is atomic without
 * WATCH and costs one round trip; each script touches one key (KEYS[1]) so it runs on Redis
 * Cluster. Message hash fields (see redis-store.ts for the full layout):
 *   st state · ua updatedAt · n parts · sg segments · sdc SMSC data_coding · t:<STATE> time · p:<i> final state of part i · s:<i> SMSC id of part i · r:<i> its raw form
 */

// Keeps updatedAt monotonic (events can be processed out of order) and refreshes the TTL.
const TOUCH = `
local function touch(key, at, ttl)
  local ua = tonumber(redis.call('HGET', key, 'ua') or '0')
  if tonumber(at) > ua then redis.call('HSET', key, 'ua', at) end
  redis.call('EXPIRE', key, ttl)
end
`;

const ALLOWED = `local ALLOWED = {${forwardSteps()
  .map((s) => `['${s}']=true`)
  .join(',')}}\n`;

/** ARGV: ttl, field, value, ... → 1 created, 0 existed. */
export const CREATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
`;

/**
 * The search index of one (client, destination): KEYS[1] a sorted set, member = message id,
 * score = createdAt. ARGV: at, id, oldest score kept (older ones are dropped), cap, ttl.
 * NX: a message created again (a redelivery, a held message released) keeps its first time.
 */
export const INDEX_LUA = `
redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[4]) - 1)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
`;

/** ARGV: to, at, ttl, err ('' = none), smsc ('' = none) → {applied, prev} or {0} when absent. */
export const TRANSITION_LUA = `${ALLOWED}${TOUCH}
local cur = redis.call('HGET', KEYS[1], 'st')
if not cur then return {0} end
if not ALLOWED[cur .. '>' .. ARGV[1]] then return {0, cur} end
redis.call('HSET', KEYS[1], 'st', ARGV[1], 't:' .. ARGV[1], ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'err', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'smsc', ARGV[5]) end
touch(KEYS[1], ARGV[2], ARGV[3])
return {1, cur}
`;

/**
 * ARGV: part, parts, smsc, smscMsgId, at, ttl, segments ('' = as parts), sdc ('' = none), raw SMSC id
 * ('' = none; kept only where it differs from smscMsgId, and a resend's replaces it), dc ('' = as
 * created), rd ('' = as created), traceparent ('' = none) → 1 recorded, 2 recorded
 * and every part is now acknowledged (the message moved to SUBMITTED), 0 message absent.
 */
export const SUBMIT_LUA = `${ALLOWED}${TOUCH}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 's:' .. ARGV[1], ARGV[4], 'smsc', ARGV[3])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'sg', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'sdc', ARGV[8]) end
if ARGV[10] ~= '' then redis.call('HSET', KEYS[1], 'dc', ARGV[10]) end
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'rd', ARGV[11]) end
if ARGV[12] ~= '' then redis.call('HSET', KEYS[1], 'tp', ARGV[12]) end
if ARGV[9] ~= '' and ARGV[9] ~= ARGV[4] then
  redis.call('HSET', KEYS[1], 'r:' .. ARGV[1], ARGV[9])
else
  redis.call('HDEL', KEYS[1], 'r:' .. ARGV[1])
end
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if tonumber(ARGV[2]) > n then
  n = tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'n', n)
end
touch(KEYS[1], ARGV[5], ARGV[6])
for i = 0, n - 1 do
  if redis.call('HEXISTS', KEYS[1], 's:' .. i) == 0 then return 1 end
end
local cur = redis.call('HGET', KEYS[1], 'st')
if ALLOWED[cur .. '>SUBMITTED'] then
  redis.call('HSET', KEYS[1], 'st', 'SUBMITTED', 't:SUBMITTED', ARGV[5])
  return 2
end
return 1
`;

/**
 * ARGV: part, state, at, ttl, err ('' = none) → {applied, field, value, field, value, …}: the
 * whole hash after the write, so the caller needs no second read; {-1} when absent.
 */
export const PART_FINAL_LUA = `${TOUCH}
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local f = 'p:' .. ARGV[1]
local applied = 0
if redis.call('HSETNX', KEYS[1], f, ARGV[2]) == 1 then
  applied = 1
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'err', ARGV[5]) end
  touch(KEYS[1], ARGV[3], ARGV[4])
end
local out = redis.call('HGETALL', KEYS[1])
table.insert(out, 1, applied)
return out
`;

/** ARGV: field (state), ttl. One call instead of HINCRBY + EXPIRE. */
export const INCR_STATS_LUA = `
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`;
