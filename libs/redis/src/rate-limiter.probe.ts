/**
 * One limiter instance as its own process, for the multi-process test: from the wall-clock
 * time `startAt` (so processes that started at different moments measure the same window),
 * takes tokens of one scope as fast as `want` per second allows for `ms`, then prints the grant
 * count per wall-clock second as one JSON line.
 * Usage: rate-limiter.probe.ts <redisUrl | JSON of a RedisTarget> <key> <rate> <want> <ms> <startAt>
 */
import { createRedis } from './redis-client';
import { createRateLimiter } from './rate-limiter';

const [url, key, rate, want, ms, startAt] = process.argv.slice(2);
const redis = createRedis(url!.startsWith('{') ? JSON.parse(url!) : url!);
const limiter = createRateLimiter(redis, key, { rate: Number(rate) });
const perSecond: Record<number, number> = {};
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const end = Number(startAt) + Number(ms);
const gap = 1000 / Number(want);
let next = Date.now();
while (Date.now() < end) {
  await limiter.take(1);
  const t = Date.now();
  if (t >= end) break;
  const s = Math.floor(t / 1000);
  perSecond[s] = (perSecond[s] ?? 0) + 1;
  // Ask no faster than `want` per second.
  next += gap;
  const wait = next - Date.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  else next = Math.max(next, Date.now() - 50);
}
console.log(JSON.stringify(perSecond));
redis.disconnect();
