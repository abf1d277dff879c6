import { GROUPS } from '@smsgw/contracts';
import { bootApp } from '@smsgw/platform';
import { createReceiptEmitter, createStageRuntime } from '@smsgw/redis';
import { openStateStore } from '@smsgw/store';
import { createReceiptHandler } from './receipt-handler';

await bootApp('dlr-worker', process, async (ctx) => {
  const { config, logger, metrics } = ctx;
  const rt = createStageRuntime(ctx);
  const { redis, names } = rt;
  const store = await openStateStore(config.state, redis, config.redis.prefix);
  rt.consumer({
    stream: names.dlrIn,
    group: GROUPS.dlr,
    concurrency: 2,
    handler: createReceiptHandler({
      redis, store, names, metrics, logger,
      group: GROUPS.dlr,
      emitReceipt: createReceiptEmitter(redis, { prefix: config.redis.prefix, maxLen: config.streams.receiptMaxLen }),
      orphanAfterMs: config.dlr.orphanAfterMs,
      retryDelayMs: config.dlr.retryDelayMs,
    }),
  });
  return rt.start({ store }, { store: () => store.ping() });
});
