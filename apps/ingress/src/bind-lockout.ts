import { isIPv6 } from 'node:net';
import type { Redis } from '@smsgw/redis';
import { plainAddress } from './bind-auth';

export interface LockoutOptions {
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
  maxLockoutMs: number;
}

export interface BindLockout {
  /** ms until the lockout of (systemId, address) ends; 0 when it may try. Rejects when Redis does not answer. */
  lockedFor(systemId: string, address: string): Promise<number>;
  /** Counts a failed bind; resolves with the lockout it started (ms), 0 when none. */
  failed(systemId: string, address: string): Promise<number>;
  /** A successful bind clears the failure count (not the memory of earlier lockouts). */
  succeeded(systemId: string, address: string): Promise<void>;
}

/**
 * KEYS: failures, lock, strikes. ARGV: maxFailures, windowMs, lockoutMs, maxLockoutMs.
 * Failures count within a window that starts at the first one; at maxFailures the pair is
 * locked for lockoutMs · 2^(lockouts before), capped. Lockouts are remembered for maxLockoutMs
 * after the last one ends, so a guesser who waits out one lockout gets a longer next one.
 */
const FAIL_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n < tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
local strikes = redis.call('INCR', KEYS[3])
local dur = math.min(tonumber(ARGV[3]) * 2 ^ math.min(strikes - 1, 40), tonumber(ARGV[4]))
redis.call('SET', KEYS[2], '1', 'PX', dur)
redis.call('PEXPIRE', KEYS[3], dur + tonumber(ARGV[4]))
return dur
`;

type Cmds = Redis & { smsgwBindFail(fail: string, lock: string, strikes: string, ...argv: number[]): Promise<number> };

/**
 * The lockout address of a peer: IPv4 (IPv4-mapped included) as is; IPv6 by its /64, the
 * block one host or site gets, so rotating addresses within it does not reset the count.
 */
export function lockoutAddress(address: string): string {
  const a = plainAddress(address);
  if (!isIPv6(a)) return a;
  const [head = '', tail = ''] = a.toLowerCase().split('::') as [string, string?];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // An embedded IPv4 tail ("::1.2.3.4") sits in the last 64 bits, which are dropped anyway.
  const groups = a.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** Redis keys of a pair; the hash tag keeps the three in one slot (Redis Cluster, one script). */
export function lockoutKeys(prefix: string, systemId: string, address: string) {
  const tag = `{${encodeURIComponent(systemId)}|${lockoutAddress(address)}}`;
  return { failures: `${prefix}:bindfail:${tag}`, lock: `${prefix}:bindlock:${tag}`, strikes: `${prefix}:bindstrikes:${tag}` };
}

/** Failed binds per (system_id, address), shared by every ingress instance through Redis. */
export function createBindLockout(redis: Redis, prefix: string, opts: LockoutOptions): BindLockout {
  const r = redis as Cmds;
  if (!r.smsgwBindFail) redis.defineCommand('smsgwBindFail', { numberOfKeys: 3, lua: FAIL_LUA });
  return {
    async lockedFor(systemId, address) {
      const ttl = await redis.pttl(lockoutKeys(prefix, systemId, address).lock);
      return ttl > 0 ? ttl : 0;
    },
    async failed(systemId, address) {
      const k = lockoutKeys(prefix, systemId, address);
      return Number(await r.smsgwBindFail(k.failures, k.lock, k.strikes, opts.maxFailures, opts.windowMs, opts.lockoutMs, opts.maxLockoutMs));
    },
    async succeeded(systemId, address) {
      await redis.del(lockoutKeys(prefix, systemId, address).failures);
    },
  };
}
