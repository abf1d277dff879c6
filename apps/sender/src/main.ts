import { GROUPS, streamNames } from '@smsgw/contracts';
import { poolsOf } from '@smsgw/domain';
import { bootApp, createCloser } from '@smsgw/platform';
import { createBlockingRedis, createDeadLetterHandler, createRedis, createStreamConsumer, watchStreams } from '@smsgw/redis';
import { openStateStore } from '@smsgw/store';
import { createDeliverHandler } from './deliver-handler';
import { createMessageSender } from './message-sender';
import { createSmscLink, type SmscLink } from './smsc-link';

await bootApp('sender', process, async ({ config, logger, metrics, instance }) => {
  const names = streamNames(config.redis.prefix);
  const redis = createRedis(config.redis.url, { commandTimeoutMs: config.redis.commandTimeoutMs, name: instance });
  const store = await openStateStore(config.state, redis, config.redis.prefix);
  const onDeliver = createDeliverHandler({ redis, names, metrics });
  const links = new Map<string, SmscLink>();
  for (const smsc of config.smscs) {
    const link = createSmscLink({
      smsc,
      logger,
      onDeliver: (pdu) => onDeliver(smsc.id, pdu),
      onBoundChange: (n) => metrics.sessionsBound.set({ side: 'smsc', peer: smsc.id }, n),
    });
    links.set(smsc.id, link);
    link.start();
  }
  const handler = createMessageSender({
    redis, store, names, links, metrics, logger,
    prefix: config.redis.prefix,
    throughput: new Map(config.smscs.map((s) => [s.id, s.throughput])),
  });
  // Every pool whose SMSCs this sender has sessions to is consumed here.
  const pools = [...poolsOf(config.routes).keys()];
  const consumers = pools.map((pool) =>
    createStreamConsumer({
      redis,
      blocking: createBlockingRedis(config.redis.url, `${instance}-${pool}`),
      stream: names.out(pool),
      group: GROUPS.sender,
      consumer: instance,
      batchSize: config.streams.batchSize,
      blockMs: config.streams.blockMs,
      claimIdleMs: config.streams.claimIdleMs,
      maxDeliveries: config.streams.maxDeliveries,
      deadStream: names.dead,
      onDead: createDeadLetterHandler(redis, names, 'sender'),
      concurrency: 4,
      logger,
      handler,
    }),
  );
  await Promise.all(consumers.map((c) => c.start()));
  const stopGauges = watchStreams(redis, () => pools.map((p) => ({ stream: names.out(p), group: GROUPS.sender })), {
    length: metrics.streamLength,
    pending: metrics.streamPending,
  });
  return {
    checks: {
      redis: async () => void (await redis.ping()),
      store: () => store.ping(),
      smsc: () => {
        const down = [...links.values()].filter((l) => l.boundCount === 0).map((l) => l.id);
        if (down.length) throw new Error(`no bound session to ${down.join(', ')}`);
      },
    },
    close: createCloser(
      [
        ['gauges', stopGauges],
        ['consumers', async () => void (await Promise.allSettled(consumers.map((c) => c.stop())))],
        ['smsc', async () => void (await Promise.allSettled([...links.values()].map((l) => l.stop())))],
        ['store', () => store.close()],
        ['redis', () => void redis.disconnect()],
      ],
      logger,
    ),
  };
});
