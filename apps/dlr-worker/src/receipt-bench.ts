import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { pino } from 'pino';
import { GROUPS, streamNames } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { createBlockingRedis, createReceiptEmitter, createRedis, createStreamConsumer, deleteByPrefix, redisCpuSeconds, xaddEntry } from '@smsgw/redis';
import { formatReceiptText } from '@smsgw/sms-text';
import { createRedisStateStore } from '@smsgw/store';
import { createAggregateTracker } from './aggregate-tracker';
import { createReceiptHandler } from './receipt-handler';

/**
 * `npm run bench:dlr`: receipts correlated per second by ONE dlr-worker (in this process) on
 * the Redis backend. Prepares N sent messages and N SMSC receipts in `dlr-in`, then times the
 * worker until every client receipt is written.
 */
const N = Number(process.env.BENCH_RECEIPTS ?? 20_000);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench-dlr:${randomBytes(4).toString('hex')}`;
const redis = createRedis(url);
const names = streamNames(prefix);
const store = createRedisStateStore({ redis, prefix });

try {
  const ids = Array.from({ length: N }, () => randomUUID());
  for (let i = 0; i < N; i += 1000) {
    await Promise.all(
      ids.slice(i, i + 1000).map(async (id, j) => {
        await store.createMessage({ id, sys: 'bench', src: 'BENCH', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
        await store.recordSubmit(id, { part: 0, parts: 1, smsc: 'sim', smscMsgId: (i + j).toString(16), at: Date.now() });
      }),
    );
  }
  const text = (n: number) =>
    Buffer.from(formatReceiptText({ id: n.toString(16), sub: 1, dlvrd: 1, submitDate: new Date(), doneDate: new Date(), stat: 'DELIVRD', err: '000', text: '' })).toString('base64');
  for (let i = 0; i < N; i += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, N - i) }, (_, j) =>
        xaddEntry(redis, names.dlrIn, {
          k: 'receipt', smsc: 'sim', src: { ton: 1, npi: 1, addr: '447700900123' }, dst: { ton: 5, npi: 0, addr: 'BENCH' },
          esm: 4, dc: 0, sm: text(i + j), at: Date.now(),
        }),
      ),
    );
  }
  const handler = createReceiptHandler({
    redis, store, names, metrics: createAppMetrics(createMetricsRegistry('dlr-bench')), logger: pino({ level: 'warn' }),
    group: GROUPS.dlr,
    emitReceipt: createReceiptEmitter(redis, { prefix }),
    clientPolicy: () => ({ multipart: 'aggregate', aggregateTimeoutMs: 60_000 }),
    aggregates: createAggregateTracker(redis, prefix),
    moRoute: () => null,
    orphanAfterMs: 60_000,
    retryDelayMs: 1_000,
  });
  const consumer = createStreamConsumer({
    redis, blocking: createBlockingRedis(url), stream: names.dlrIn, group: GROUPS.dlr, consumer: 'bench',
    batchSize: 200, concurrency: 2, blockMs: 100, handler: handler.handle,
  });
  const cpu0 = process.cpuUsage();
  const rcpu0 = await redisCpuSeconds(redis);
  const t0 = performance.now();
  await consumer.start();
  while ((await redis.xlen(names.dlr('bench'))) < N) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const redisUs = ((await redisCpuSeconds(redis)) - rcpu0) * 1e6;
  await consumer.stop();
  console.log(JSON.stringify({
    receipts: N,
    seconds: Math.round(seconds * 1000) / 1000,
    perSec: Math.round(N / seconds),
    cpuUsPerReceipt: { dlrWorker: Math.round((c.user + c.system) / N), redis: Math.round(redisUs / N) },
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  }));
} finally {
  await deleteByPrefix(redis, `${prefix}:`);
  redis.disconnect();
}
