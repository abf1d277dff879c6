import { streamNames, GROUPS } from '@smsgw/contracts';
import { createPolicyPipeline, createRouter, defaultPolicyStages } from '@smsgw/domain';
import { bootApp, createCloser } from '@smsgw/platform';
import { createBlockingRedis, createDeadLetterHandler, createRedis, createStreamConsumer, watchStreams } from '@smsgw/redis';
import { openStateStore } from '@smsgw/store';
import { createPolicyHandler } from './policy-handler';

await bootApp('policy-worker', process, async ({ config, logger, metrics, instance }) => {
  const names = streamNames(config.redis.prefix);
  const redis = createRedis(config.redis.url, { commandTimeoutMs: config.redis.commandTimeoutMs, name: instance });
  const store = await openStateStore(config.state, redis, config.redis.prefix);
  const consumer = createStreamConsumer({
    redis,
    blocking: createBlockingRedis(config.redis.url, `${instance}-read`),
    stream: names.in,
    group: GROUPS.policy,
    consumer: instance,
    batchSize: config.streams.batchSize,
    blockMs: config.streams.blockMs,
    claimIdleMs: config.streams.claimIdleMs,
    maxDeliveries: config.streams.maxDeliveries,
    deadStream: names.dead,
      onDead: createDeadLetterHandler(redis, names, 'policy-worker'),
    concurrency: 2,
    logger,
    handler: createPolicyHandler({
      redis, store, names, metrics, logger,
      route: createRouter(config.routes),
      policy: createPolicyPipeline(defaultPolicyStages()),
    }),
  });
  await consumer.start();
  const stopGauges = watchStreams(redis, () => [{ stream: names.in, group: GROUPS.policy }], {
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
