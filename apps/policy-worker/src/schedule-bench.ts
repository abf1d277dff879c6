/**
 * `npm run bench:schedule`: holding and releasing scheduled messages. Puts N messages (default
 * 1,000,000) in the policy-worker's delay set as the policy handler does, reports the Redis
 * memory they take, then makes them all due and times their release back to `in` (the
 * policy-worker's poll, pass after pass, as `release()` runs in production).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { streamNames, type InEntry } from '@smsgw/contracts';
import { createDeferredQueue, createRedis, deleteByPrefix } from '@smsgw/redis';

const N = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench-schedule:${randomBytes(4).toString('hex')}`;
const redis = createRedis(url);
const names = streamNames(prefix);
const queue = createDeferredQueue(redis, prefix, names.in);
const used = async () => Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? 0);

const entry = (i: number, due: number): InEntry => ({
  v: 1, id: randomUUID(), sys: 'acme',
  src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
  dst: { ton: 1, npi: 1, addr: `4477${String(i).padStart(8, '0')}`, norm: `4477${String(i).padStart(8, '0')}` },
  dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: Buffer.from(`Your appointment is tomorrow at 10:00, ref ${i}`).toString('base64'),
  at: Date.now(), due, exp: due + 48 * 3_600_000,
});

try {
  const mem0 = await used();
  const due = Date.now() + 5_000;
  const t0 = performance.now();
  for (let i = 0; i < N; i += 5_000) {
    await Promise.all(Array.from({ length: Math.min(5_000, N - i) }, (_, j) => queue.defer(entry(i + j, due + ((i + j) % 1000)), due + ((i + j) % 1000))));
  }
  const holdSecs = (performance.now() - t0) / 1000;
  const held = await queue.size();
  const bytesPerMessage = Math.round(((await used()) - mem0) / N);
  await new Promise((r) => setTimeout(r, Math.max(0, due + 1_000 - Date.now())));
  const t1 = performance.now();
  let released = 0;
  let passes = 0;
  while (released < N) {
    const n = await queue.release(Date.now());
    passes++;
    released += n;
    if (n === 0) break;
  }
  const releaseSecs = (performance.now() - t1) / 1000;
  const inLen = await redis.xlen(names.in);
  console.log(JSON.stringify({
    messages: N, held, scheduledPerSec: Math.round(N / holdSecs), redisBytesPerMessage: bytesPerMessage,
    redisMiBPerMillion: Math.round((bytesPerMessage * 1_000_000) / 2 ** 20),
    released, inStream: inLen, releasePasses: passes, releasedPerSec: Math.round(released / releaseSecs),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  }));
} finally {
  await deleteByPrefix(redis, `${prefix}:`);
  redis.disconnect();
}
