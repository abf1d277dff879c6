import type { Redis } from '@smsgw/redis';
import type { Logger } from '@smsgw/platform';

export interface BindCounter {
  /**
   * Takes one of `max` bind slots of `systemId` for session `sessionId`; false when every slot is
   * held (by any instance). Rejects when the count cannot be checked (Redis away).
   */
  acquire(systemId: string, sessionId: string, max: number): Promise<boolean>;
  /** Gives the slot back (unbind, close). Never rejects: a slot not removed expires by its lease. */
  release(systemId: string, sessionId: string): Promise<void>;
  /** Binds of `systemId` held across every instance (live leases). */
  count(systemId: string): Promise<number>;
  /** Stops renewing this instance's leases (they expire unless released). */
  close(): void;
}

export interface BindCounterOptions {
  /** A slot not renewed for this long is free again (an instance killed with its binds). Default 15 s. */
  leaseMs?: number;
  /** How often the leases of this instance's binds are renewed. Default leaseMs / 3. */
  renewMs?: number;
  logger?: Logger;
}

// Scores are lease ends on Redis' own clock (TIME), so instances with skewed clocks agree. TIME
// in a script is fine since Redis 5: scripts replicate their effects, not the script.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: the client's bind set. ARGV: member, max, leaseMs. Drops expired leases, then adds the
 * member if fewer than max remain (a member already there is renewed). 1 = taken, 0 = full.
 */
const ACQUIRE_LUA = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return 1
`;

/**
 * KEYS: the client's bind set. ARGV: leaseMs, members… Renews this instance's leases. A lease
 * that lapsed (the instance stalled past it) is added back even over the limit: the bind is
 * real, and counting it is what keeps the next bind out.
 */
const RENEW_LUA = `${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 1
`;

/** KEYS: the client's bind set. Live leases. */
const COUNT_LUA = `${NOW}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`;

type Cmds = Redis & {
  smsgwBindAcquire(key: string, member: string, max: number, leaseMs: number): Promise<number>;
  smsgwBindRenew(key: string, leaseMs: number, ...members: string[]): Promise<number>;
  smsgwBindCount(key: string): Promise<number>;
};

/** A client's bind set; the hash tag names the client, so its one key sits in one cluster slot. */
export function bindSetKey(prefix: string, systemId: string): string {
  return `${prefix}:binds:{${encodeURIComponent(systemId)}}`;
}

/**
 * `clients[].maxBinds` across every ingress instance: one sorted set per client in Redis, a
 * member `<instance>:<session>` per bind scored by the end of its lease. The instance that holds
 * a bind renews its lease; unbind removes it; the binds of an instance that died without
 * unbinding (kill -9, host lost) stop being counted when their leases end.
 */
export function createBindCounter(redis: Redis, prefix: string, instance: string, o: BindCounterOptions = {}): BindCounter {
  const r = redis as Cmds;
  if (!r.smsgwBindAcquire) {
    redis.defineCommand('smsgwBindAcquire', { numberOfKeys: 1, lua: ACQUIRE_LUA });
    redis.defineCommand('smsgwBindRenew', { numberOfKeys: 1, lua: RENEW_LUA });
    redis.defineCommand('smsgwBindCount', { numberOfKeys: 1, lua: COUNT_LUA });
  }
  const leaseMs = o.leaseMs ?? 15_000;
  const member = (sessionId: string) => `${instance}:${sessionId}`;
  /** Members held here, by client. */
  const held = new Map<string, Set<string>>();

  const renew = async () => {
    // One call per client: their keys are in different slots.
    await Promise.all(
      [...held].map(([sys, members]) =>
        members.size
          ? r.smsgwBindRenew(bindSetKey(prefix, sys), leaseMs, ...members).catch((err: unknown) => {
              o.logger?.warn({ err: (err as Error).message, systemId: sys }, 'bind leases not renewed; retrying');
            })
          : undefined,
      ),
    );
  };
  const timer = setInterval(() => void renew(), o.renewMs ?? Math.floor(leaseMs / 3));
  timer.unref();

  return {
    async acquire(systemId, sessionId, max) {
      const m = member(sessionId);
      const ok = (await r.smsgwBindAcquire(bindSetKey(prefix, systemId), m, max, leaseMs)) === 1;
      if (ok) held.set(systemId, (held.get(systemId) ?? new Set()).add(m));
      return ok;
    },
    async release(systemId, sessionId) {
      const m = member(sessionId);
      const set = held.get(systemId);
      set?.delete(m);
      if (set && !set.size) held.delete(systemId);
      await redis.zrem(bindSetKey(prefix, systemId), m).then(
        () => undefined,
        (err: unknown) => o.logger?.warn({ err: (err as Error).message, systemId }, 'bind slot not released; it frees when its lease ends'),
      );
    },
    async count(systemId) {
      return Number(await r.smsgwBindCount(bindSetKey(prefix, systemId)));
    },
    close() {
      clearInterval(timer);
    },
  };
}

/** The count of one process only (tests and tools that run a single ingress without Redis for it). */
export function createLocalBindCounter(): BindCounter {
  const held = new Map<string, Set<string>>();
  return {
    async acquire(systemId, sessionId, max) {
      const set = held.get(systemId) ?? new Set();
      if (!set.has(sessionId) && set.size >= max) return false;
      held.set(systemId, set.add(sessionId));
      return true;
    },
    async release(systemId, sessionId) {
      held.get(systemId)?.delete(sessionId);
    },
    async count(systemId) {
      return held.get(systemId)?.size ?? 0;
    },
    close() {},
  };
}
