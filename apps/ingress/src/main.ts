import { streamNames } from '@smsgw/contracts';
import { bootApp, createCloser } from '@smsgw/platform';
import { createRedis, xaddEntry, watchStreams } from '@smsgw/redis';
import { GROUPS } from '@smsgw/contracts';
import { createIngressServer } from './ingress-server';
import { createReceiptDispatcher } from './receipt-dispatcher';
import { createSubmitHandler } from './submit-handler';
import { createBacklogMonitor } from './backlog-monitor';

await bootApp('ingress', process, async ({ config, logger, metrics, instance }) => {
  const names = streamNames(config.redis.prefix);
  const redis = createRedis(config.redis.url, { commandTimeoutMs: config.redis.commandTimeoutMs, name: instance });
  const backlog = createBacklogMonitor(redis, names.in, config.ingress.maxBacklog);
  const receipts = createReceiptDispatcher({
    redis,
    redisUrl: config.redis.url,
    names,
    instance,
    metrics,
    logger,
    batchSize: Math.min(config.streams.batchSize, 100),
    claimIdleMs: Math.min(config.streams.claimIdleMs, 5_000),
    maxDeliveries: config.streams.maxDeliveries,
  });
  const server = createIngressServer({
    host: config.ingress.host,
    port: config.ingress.port,
    clients: config.clients,
    session: config.ingress,
    submit: createSubmitHandler({ enqueue: (e) => xaddEntry(redis, names.in, e), backlogFull: backlog.full }),
    receipts,
    metrics,
    logger,
  });
  const port = await server.start();
  logger.info({ port }, 'SMPP server listening');
  const stopGauges = watchStreams(redis, () => [{ stream: names.in, group: GROUPS.policy }], {
    length: metrics.streamLength,
    pending: metrics.streamPending,
  });
  return {
    checks: { redis: async () => void (await redis.ping()) },
    close: createCloser(
      [
        ['gauges', stopGauges],
        ['backlog', backlog.stop],
        ['smpp', () => server.close()],
        ['receipts', () => receipts.close()],
        ['redis', () => void redis.disconnect()],
      ],
      logger,
    ),
  };
});
