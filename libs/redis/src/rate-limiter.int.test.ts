import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redisNamespace } from '@smsgw/testing';
import { createRateLimiter, rateLimitKey } from './rate-limiter';

const probe = fileURLToPath(new URL('./rate-limiter.probe.ts', import.meta.url));

function runProbe(url: string, key: string, rate: number, want: number, ms: number, startAt: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', probe, url, key, String(rate), String(want), String(ms), String(startAt)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`probe exited ${code}`))));
  });
}

describe('rate limiter (real Redis)', () => {
  it('three processes asking 1,000/s share one 300/s scope: total, per-second peak and fairness within bounds', async () => {
    const ns = await redisNamespace('rl');
    try {
      const key = rateLimitKey(ns.prefix, 'link:op1');
      const rate = 300;
      const seconds = 20;
      // One common window for the three processes, however long each takes to start.
      const startAt = Date.now() + 8_000;
      const runs = await Promise.all([0, 1, 2].map(() => runProbe(JSON.stringify(ns.target), key, rate, 1_000, seconds * 1000, startAt)));
      const totals = runs.map((r) => Object.values(r).reduce((a, b) => a + b, 0));
      const total = totals.reduce((a, b) => a + b, 0);
      const burst = rate / 10;
      expect(total).toBeLessThanOrEqual(rate * seconds * 1.02 + burst);
      expect(total).toBeGreaterThanOrEqual(0.9 * rate * seconds);
      // Whole seconds only (the first and last are partial).
      const bySecond = new Map<string, number>();
      for (const r of runs) for (const [s, n] of Object.entries(r)) bySecond.set(s, (bySecond.get(s) ?? 0) + n);
      const secs = [...bySecond.keys()].sort();
      for (const s of secs.slice(1, -1)) expect(bySecond.get(s)!).toBeLessThanOrEqual(1.2 * rate);
      for (const t of totals) expect(t).toBeGreaterThanOrEqual(0.25 * total);
    } finally {
      await ns.cleanup();
    }
  }, 60_000);

  it('tryTake answers at once: over the rate is refused, and recovers with time', async () => {
    const ns = await redisNamespace('rl-try');
    try {
      const limiter = createRateLimiter(ns.redis, rateLimitKey(ns.prefix, 'client:acme'), { rate: 50, burst: 5 });
      const results: boolean[] = [];
      for (let i = 0; i < 20; i++) results.push(await limiter.tryTake(1));
      const ok = results.filter(Boolean).length;
      expect(ok).toBeGreaterThanOrEqual(5); // the burst
      expect(ok).toBeLessThan(20);
      await new Promise((r) => setTimeout(r, 300)); // ~15 tokens refilled
      expect(await limiter.tryTake(1)).toBe(true);
    } finally {
      await ns.cleanup();
    }
  });

  it('tryTake of more tokens than the burst (a large submit_multi): granted whole once the bucket is full, then paid back at the rate', async () => {
    const ns = await redisNamespace('rl-whole');
    try {
      // rate 10/s → burst 1: a request for 5 could never be granted from what the bucket holds.
      const limiter = createRateLimiter(ns.redis, rateLimitKey(ns.prefix, 'client:multi'), { rate: 10 });
      expect(await limiter.tryTake(5)).toBe(true);
      // In debt by 4 tokens: nothing for ~0.4 s, neither a single token nor another whole 5.
      expect(await limiter.tryTake(1)).toBe(false);
      expect(await limiter.tryTake(5)).toBe(false);
      await new Promise((r) => setTimeout(r, 700)); // debt paid, the bucket full again (1 token)
      expect(await limiter.tryTake(5)).toBe(true);
      // Over 2 s of asking for 5 every 50 ms, the grants keep to the rate: ≤ 10/s × 2 s + one request.
      let granted = 0;
      for (const end = Date.now() + 2_000; Date.now() < end; ) {
        if (await limiter.tryTake(5)) granted += 5;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(granted).toBeGreaterThanOrEqual(10);
      expect(granted).toBeLessThanOrEqual(10 * 2 + 5);
    } finally {
      await ns.cleanup();
    }
  });

  it('adaptive: a throttling signal lowers the effective rate (once per second), recovery steps back up after a quiet period', async () => {
    const ns = await redisNamespace('rl-aimd');
    try {
      const key = rateLimitKey(ns.prefix, 'link:op1');
      const limiter = createRateLimiter(ns.redis, key, { rate: 400, quietMs: 200, step: 100 });
      await limiter.take(1);
      expect(limiter.effectiveRate).toBe(400);
      expect(await limiter.throttled()).toBeCloseTo(280);
      expect(await limiter.throttled()).toBeCloseTo(280); // same second: one decrease
      // Signals that keep coming still lower it once a second (a stream of 0x58s is no reset).
      for (let i = 0; i < 12; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await limiter.throttled();
      }
      expect(limiter.effectiveRate).toBeCloseTo(196);
      await new Promise((r) => setTimeout(r, 2_300)); // quiet 200 ms, then +100/s
      await limiter.take(1);
      expect(limiter.effectiveRate).toBeGreaterThanOrEqual(380);
      expect(limiter.effectiveRate).toBeLessThanOrEqual(400); // never above the configured maximum
      // A second limiter object (another instance) sees the same effective rate.
      const other = createRateLimiter(ns.redis, key, { rate: 400, quietMs: 200, step: 100 });
      await other.take(1);
      expect(other.effectiveRate).toBe(limiter.effectiveRate);
    } finally {
      await ns.cleanup();
    }
  });

  it('a waiting take gives up when its signal aborts (a stopping sender), and so do the callers queued behind it', async () => {
    const ns = await redisNamespace('rl-abort');
    try {
      const limiter = createRateLimiter(ns.redis, rateLimitKey(ns.prefix, 'link:slow'), { rate: 2, burst: 1 });
      expect(await limiter.take(1)).toBe(true);
      const stopping = new AbortController();
      const t0 = Date.now();
      // Ten callers at 2/s: five seconds of waiting, cut short.
      const waits = Array.from({ length: 10 }, () => limiter.take(1, false, stopping.signal));
      setTimeout(() => stopping.abort(), 300);
      const got = await Promise.all(waits);
      expect(Date.now() - t0).toBeLessThan(2_500);
      expect(got.filter((g) => !g).length).toBeGreaterThanOrEqual(8); // at most the first one or two were granted
    } finally {
      await ns.cleanup();
    }
  });

  it('Redis away: nothing is granted above the floor (default 0)', async () => {
    const ns = await redisNamespace('rl-down');
    const { createRedis } = await import('./redis-client');
    const dead = createRedis('redis://127.0.0.1:1', { commandTimeoutMs: 200 });
    try {
      let degraded = 0;
      const limiter = createRateLimiter(dead, rateLimitKey(ns.prefix, 'link:x'), { rate: 100 }, { degraded: () => void degraded++ });
      expect(await limiter.tryTake(1)).toBe(false);
      expect(degraded).toBeGreaterThan(0);
      const floored = createRateLimiter(dead, rateLimitKey(ns.prefix, 'link:y'), { rate: 100, floorRate: 20 });
      await new Promise((r) => setTimeout(r, 300));
      expect(await floored.tryTake(1)).toBe(true);
    } finally {
      dead.disconnect();
      await ns.cleanup();
    }
  });
});
