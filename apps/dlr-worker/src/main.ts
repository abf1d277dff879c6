import { GROUPS, streamNames } from '@smsgw/contracts';
import { bootApp, createCloser } from '@smsgw/platform';
import { createBlockingRedis, createReceiptEmitter, createRedis, createStreamConsumer, watchStreams } from '@smsgw/redis';
import { openStateStore } from '@smsgw/store';
import { createReceiptHandler } from './receipt-handler';

await bootApp('dlr-worker', process, async ({ config, logger, metrics, instance }) => {
  const names = streamNames(config.redis.prefix);
  const redis = createRedis(config.redis.url, { commandTimeoutMs: config.redis.commandTimeoutMs, name: instance });
  const store = await openStateStore(config.state, redis, config.redis.prefix);
  const consumer = createStreamConsumer({
    redis,
    blocking: createBlockingRedis(config.redis.url, `${instance}-read`),
    stream: names.dlrIn,
    group: GROUPS.dlr,
    consumer: instance,
    batchSize: config.streams.batchSize,
    blockMs: config.streams.blockMs,
    claimIdleMs: config.streams.claimIdleMs,
    maxDeliveries: config.streams.maxDeliveries,
    deadStream: names.dead,
    concurrency: 2,
    logger,
    handler: createReceiptHandler({
      redis, store, names, metrics, logger,
      group: GROUPS.dlr,
      emitReceipt: createReceiptEmitter(redis, { prefix: config.redis.prefix, maxLen: config.streams.receiptMaxLen }),
      orphanAfterMs: config.dlr.orphanAfterMs,
      retryDelayMs: config.dlr.retryDelayMs,
    }),
  });
  await consumer.start();
  const stopGauges = watchStreams(redis, () => [{ stream: names.dlrIn, group: GROUPS.dlr }], {
    length: metrics.streamLength,
    pending: metrics.streamPending,
  });
  return {
    checks: { redis: async () => void (await redis.ping()), store: () => store.ping() },
    close: createCloser(
      [
        ['gauges', stopGauges],
        ['consumer', () => consumer.stop()],
        ['store', () => store.close()],
        ['redis', () => void redis.disconnect()],
      ],
      logger,
    ),
  };
});
