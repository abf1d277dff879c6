/**
 * `npm run bench:limiter`: limiter decisions per second in one process — with L1 leases (a
 * Redis call per lease) vs. a Redis call per decision (lease of 1). Prints one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { createRedis } from './redis-client';
import { createRateLimiter, rateLimitKey } from './rate-limiter';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(process.env.BENCH_DECISIONS ?? 200_000);
const redis = createRedis(url);
const prefix = `bench-rl:${randomBytes(4).toString('hex')}`;

async function run(name: string, leaseMs: number, n: number): Promise<number> {
  // A rate high enough never to wait: this measures the cost of a decision, not the rate.
  const limiter = createRateLimiter(redis, rateLimitKey(prefix, name), { rate: 1_000_000, burst: 1_000_000, leaseMs, leaseTtlMs: 10_000 });
  const t0 = performance.now();
  // 100 concurrent takers, as a sender's in-flight messages are.
  let left = n;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (left-- > 0) await limiter.take(1);
    }),
  );
  return Math.round(n / ((performance.now() - t0) / 1000));
}

try {
  const leased = await run('leased', 20, N);
  const perCall = await run('per-call', 0.001, Math.min(N, 50_000)); // lease = 1 token: one EVALSHA each
  console.log(JSON.stringify({ decisionsPerSec: { l1Leases: leased, redisCallPerDecision: perCall }, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version } }));
} finally {
  await redis.del(rateLimitKey(prefix, 'leased'), rateLimitKey(prefix, 'per-call'));
  redis.disconnect();
}
