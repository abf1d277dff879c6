/*
 * L2 rate limiter (Redis, one script per decision). One hash per scope, hash-tagged so the
 * script touches one slot on Redis Cluster:
 *   tok  tokens left (fractional)      ts   last refill, ms (Redis TIME: one clock for all)
 *   eff  effective rate (adaptive)      thr  last throttle signal, ms
 *   dec  last decrease, ms              inc  last increase, ms
 * Tokens are segments. The configured maximum comes with every call, so a config change takes
 * effect at once and `eff` never exceeds it.
 */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// Additive increase: after `quiet` ms without a throttle signal, +step tokens/s per second.
const RECOVER = `
local function recover(eff, max, thr, inc, now, quiet, step)
  if eff >= max then return max, inc end
  local from = math.max(thr + quiet, inc)
  if now < from then return eff, inc end
  local steps = math.floor((now - from) / 1000)
  if steps < 1 then return eff, inc end
  return math.min(max, eff + steps * step), from + steps * 1000
end
`;

/**
 * KEYS[1] bucket. ARGV: max rate, burst, wanted tokens, quiet ms, step, ttl ms, whole (1/0).
 * → {granted, effective rate as string, ms until a grant is possible when nothing was granted}.
 * By default as many tokens as the bucket holds are granted. `whole` grants all or nothing, and
 * a request larger than the bucket can ever hold (a submit_multi to more destinations than the
 * burst) is granted once the bucket is full, leaving it in debt: the tokens are paid back at the
 * rate before anything else is granted, so the long-run rate stays exact.
 */
export const TAKE_LUA = `${NOW}${RECOVER}
local max = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'tok', 'ts', 'eff', 'thr', 'inc')
local eff = tonumber(h[3]) or max
local thr = tonumber(h[4]) or 0
local inc = tonumber(h[5]) or 0
eff, inc = recover(math.min(eff, max), max, thr, inc, now, tonumber(ARGV[4]), tonumber(ARGV[5]))
local ts = tonumber(h[2]) or now
local tok = tonumber(h[1]) or burst
tok = math.min(burst, tok + (now - ts) * eff / 1000)
local need = 1
local grant
if ARGV[7] == '1' then
  need = math.min(want, burst)
  if tok >= need then grant = want else grant = 0 end
else
  grant = math.min(want, math.floor(tok))
  if grant < 0 then grant = 0 end
end
tok = tok - grant
redis.call('HSET', KEYS[1], 'tok', tostring(tok), 'ts', now, 'eff', tostring(eff), 'inc', inc)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
local wait = 0
if grant == 0 and eff > 0 then wait = math.ceil((need - tok) * 1000 / eff) end
return {grant, tostring(eff), wait}
`;

/**
 * KEYS[1] bucket. ARGV: max rate, factor (0..1), floor rate, ttl ms → new effective rate.
 * Multiplicative decrease on an SMSC's throttling answer; several answers within 1 s count once
 * (one burst of 0x58s is one signal, not a collapse to the floor).
 */
export const THROTTLED_LUA = `${NOW}
local max = tonumber(ARGV[1])
local h = redis.call('HMGET', KEYS[1], 'eff', 'dec')
local eff = math.min(tonumber(h[1]) or max, max)
local dec = tonumber(h[2]) or 0
-- Every signal restarts the quiet period; the rate drops at most once per second.
if now - dec >= 1000 then
  eff = math.max(tonumber(ARGV[3]), eff * tonumber(ARGV[2]))
  redis.call('HSET', KEYS[1], 'eff', tostring(eff), 'dec', now, 'thr', now, 'inc', now)
else
  redis.call('HSET', KEYS[1], 'thr', now)
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return tostring(eff)
`;
