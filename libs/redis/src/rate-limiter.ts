import { createRedis, type Redis, type RedisTarget } from './redis-client';
import { THROTTLED_LUA, TAKE_LUA } from './rate-limiter-scripts';
import { sleepUnless } from './sleep';

export interface RateLimitOptions {
  /** Configured maximum, tokens (segments) per second across every instance. 0 = unlimited. */
  rate: number;
  /** Tokens that may be used at once after an idle period (L2 bucket size). Default rate/10, ≥ 1. */
  burst?: number;
  /**
   * L1 lease: tokens fetched per Redis call, as ms of the rate (default 20 ms). Small leases keep
   * instances fair when they compete; leases not used within leaseTtlMs are dropped.
   */
  leaseMs?: number;
  leaseTtlMs?: number;
  /** Rate this instance keeps to when Redis does not answer (default 0: nothing is sent). */
  floorRate?: number;
  /** Adaptive: multiplicative decrease factor, floor, quiet period and additive step per second. */
  decrease?: number;
  minRate?: number;
  quietMs?: number;
  step?: number;
}

export interface LimiterEvents {
  granted?(scope: string, n: number): void;
  denied?(scope: string): void;
  effectiveRate?(scope: string, rate: number): void;
  degraded?(scope: string, err: unknown): void;
}

type Cmds = Redis & {
  smsgwRlTake(key: string, max: number, burst: number, want: number, quiet: number, step: number, ttl: number, whole?: 0 | 1): Promise<[number, string, number]>;
  smsgwRlThrottled(key: string, max: number, factor: number, floor: number, ttl: number): Promise<string>;
};

/**
 * The Redis of the L2 buckets: `limits.redis` (a url or a cluster) when set — a connection of
 * its own, closed with the app — else the app's main connection (nothing more to close). A
 * limiter Redis that is away only degrades the limiters (their floor); the streams on the main
 * Redis go on.
 */
export function openLimiterRedis(main: Redis, target: RedisTarget | undefined, opts: { commandTimeoutMs?: number; name?: string } = {}): { redis: Redis; close(): void } {
  if (!target) return { redis: main, close: () => undefined };
  const redis = createRedis(target, opts);
  return { redis, close: () => redis.disconnect() };
}

/** Redis key of a rate scope; the hash tag keeps it one slot on Redis Cluster. */
export function rateLimitKey(prefix: string, scope: string): string {
  return `${prefix}:rl:{${scope}}`;
}


/**
 * One rate scope (an SMSC link, a pool, a client, the global cap): L1 in process in front of L2
 * in Redis. take() waits for tokens in FIFO order (senders); tryTake() answers at once whether
 * the tokens are there (ingress: over the rate → ESME_RTHROTTLED). L2 is exact across all
 * instances; L1 only ever holds tokens L2 granted, so the cluster never exceeds the rate.
 */
export function createRateLimiter(redis: Redis, key: string, opts: RateLimitOptions, events: LimiterEvents = {}) {
  const r = redis as Cmds;
  if (!r.smsgwRlTake) {
    redis.defineCommand('smsgwRlTake', { numberOfKeys: 1, lua: TAKE_LUA });
    redis.defineCommand('smsgwRlThrottled', { numberOfKeys: 1, lua: THROTTLED_LUA });
  }
  const rate = opts.rate;
  const burst = opts.burst ?? Math.max(1, Math.round(rate / 10));
  const leaseMs = opts.leaseMs ?? 20;
  const leaseTtlMs = opts.leaseTtlMs ?? 250;
  const floorRate = opts.floorRate ?? 0;
  const quietMs = opts.quietMs ?? 3_000;
  const step = opts.step ?? Math.max(1, rate * 0.05);
  const ttl = 60_000;
  let local = 0;
  let localUntil = 0;
  let effective = rate;
  let fetching: Promise<void> | undefined;
  let retryAt = 0;
  let floorTokens = 0;
  let floorTs = Date.now();
  let queue: Promise<unknown> = Promise.resolve();

  const lease = () => Math.max(1, Math.ceil((effective * leaseMs) / 1000));

  const fetch = async (want: number): Promise<void> => {
    try {
      const [granted, eff, wait] = await r.smsgwRlTake(key, rate, burst, Math.max(want, lease()), quietMs, step, ttl);
      const e = Number(eff);
      if (e !== effective) events.effectiveRate?.(key, e);
      effective = e;
      if (granted > 0) {
        local += granted;
        localUntil = Date.now() + leaseTtlMs;
        events.granted?.(key, granted);
      } else {
        retryAt = Date.now() + Math.max(1, Math.min(Number(wait) || leaseMs, 1_000));
        events.denied?.(key);
      }
    } catch (err) {
      // Redis away: keep to the local floor (default 0) — protecting the link wins.
      events.degraded?.(key, err);
      const now = Date.now();
      floorTokens = Math.min(Math.max(1, floorRate), floorTokens + ((now - floorTs) * floorRate) / 1000);
      floorTs = now;
      const n = Math.floor(floorTokens);
      if (n > 0) {
        floorTokens -= n;
        local += n;
        localUntil = now + leaseTtlMs;
      } else retryAt = now + 200;
    }
  };

  const takeWhole = async (n: number): Promise<boolean> => {
    try {
      const [granted, eff] = await r.smsgwRlTake(key, rate, burst, n, quietMs, step, ttl, 1);
      const e = Number(eff);
      if (e !== effective) events.effectiveRate?.(key, e);
      effective = e;
      if (granted > 0) {
        events.granted?.(key, granted);
        return true;
      }
      events.denied?.(key);
      return false;
    } catch (err) {
      // Redis away: the floor is for single tokens; a whole request waits for Redis.
      events.degraded?.(key, err);
      return false;
    }
  };

  const refill = (want: number) => {
    fetching ??= fetch(want).finally(() => (fetching = undefined));
    return fetching;
  };

  const takeLocal = (n: number): boolean => {
    if (Date.now() > localUntil) local = 0; // an unused lease expires quickly
    if (local < n) return false;
    local -= n;
    return true;
  };

  const takeNow = async (n: number, signal?: AbortSignal): Promise<boolean> => {
    for (;;) {
      if (signal?.aborted) return false;
      if (takeLocal(n)) return true;
      const wait = retryAt - Date.now();
      if (wait > 0) await sleepUnless(wait, signal);
      if (signal?.aborted) return false;
      await refill(n);
    }
  };

  return {
    key,
    get effectiveRate() {
      return effective;
    },
    /**
     * Waits until n tokens are granted (true). Callers are served in order; an `urgent` caller
     * (a part the SMSC throttled, sent again) does not queue behind the others. With `signal`
     * aborted (the app stopping) it answers false without tokens, and so does every caller
     * queued behind it with the same signal, within the current wait (≤ 1 s).
     */
    take(n = 1, urgent = false, signal?: AbortSignal): Promise<boolean> {
      if (rate <= 0) return Promise.resolve(true);
      if (urgent) return takeNow(n, signal);
      const p = queue.then(() => takeNow(n, signal));
      queue = p.catch(() => undefined);
      return p;
    },
    /**
     * True when n tokens were taken now; false when over the rate (no waiting). Several tokens
     * are taken all or nothing straight from L2 (a submit_multi: one per destination); more than
     * the burst are granted once the bucket is full, and paid back at the rate (see TAKE_LUA),
     * so a client retrying a large request is not refused forever.
     */
    async tryTake(n = 1): Promise<boolean> {
      if (rate <= 0) return true;
      if (takeLocal(n)) return true;
      if (n > 1) return takeWhole(n);
      if (Date.now() < retryAt) return false;
      await refill(n);
      return takeLocal(n);
    },
    /** The SMSC answered ESME_RTHROTTLED / ESME_RMSGQFUL: lower the link's rate everywhere. */
    async throttled(): Promise<number> {
      local = 0; // what this instance still holds was granted at the old rate
      const e = Number(await r.smsgwRlThrottled(key, rate, opts.decrease ?? 0.7, opts.minRate ?? Math.max(1, rate * 0.05), ttl));
      if (e !== effective) events.effectiveRate?.(key, e);
      effective = e;
      return e;
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

/** Limiter events → the app's metrics (effective rate per scope, tokens granted, denials, degraded). */
export function limiterMetrics(m: {
  rateEffective: { set(l: { scope: string }, v: number): void };
  rateTokens: { inc(l: { scope: string; outcome: string }, v?: number): void };
}): LimiterEvents {
  const scope = (key: string) => key.slice(key.indexOf('{') + 1, key.lastIndexOf('}'));
  return {
    granted: (key, n) => m.rateTokens.inc({ scope: scope(key), outcome: 'granted' }, n),
    denied: (key) => m.rateTokens.inc({ scope: scope(key), outcome: 'denied' }),
    degraded: (key) => m.rateTokens.inc({ scope: scope(key), outcome: 'degraded' }),
    effectiveRate: (key, rate) => m.rateEffective.set({ scope: scope(key) }, rate),
  };
}
