import { GROUPS } from '@smsgw/contracts';
import { createMoRouter } from '@smsgw/domain';
import { bootApp, clientSchema, storeObserver } from '@smsgw/platform';
import { createReceiptEmitter, createStageRuntime, startPeriodicJobs } from '@smsgw/redis';
import { openStateStore } from '@smsgw/store';
import { createReceiptHandler } from './receipt-handler';
import { createAggregateTracker } from './aggregate-tracker';
import { createReceiptExpiry } from './receipt-expiry';

await bootApp('dlr-worker', process, async (ctx) => {
  const { config, logger, metrics } = ctx;
  const rt = createStageRuntime(ctx);
  const { redis, names } = rt;
  const store = await openStateStore(config.state, redis, config.redis.prefix, storeObserver(metrics));
  const clients = new Map(config.clients.map((c) => [c.systemId, c.receipts]));
  // A client not in the config (gone since its messages were sent) gets the schema's defaults.
  const defaultPolicy = clientSchema.shape.receipts.parse(undefined);
  const receipts = createReceiptHandler({
    redis, store, names, metrics, logger,
    group: GROUPS.dlr,
    emitReceipt: createReceiptEmitter(redis, { prefix: config.redis.prefix }),
    clientPolicy: (sys) => clients.get(sys) ?? defaultPolicy,
    moRoute: createMoRouter(config.clients),
    aggregates: createAggregateTracker(redis, config.redis.prefix),
    idFormats: new Map(config.smscs.map((s) => [s.id, s.ids.receipt])),
    orphanAfterMs: config.dlr.orphanAfterMs,
    retryDelayMs: config.dlr.retryDelayMs,
  });
  rt.consumer({
    stream: names.dlrIn,
    group: GROUPS.dlr,
    concurrency: 2,
    handler: receipts.handle,
  });
  // Receipt streams of clients that do not collect them are bounded by age and size.
  const expire = createReceiptExpiry({
    redis, names, metrics, logger, maxLen: config.streams.receiptMaxLen, maxAgeMs: config.streams.receiptMaxAgeMs,
  });
  // Once per period across every dlr-worker: aggregated receipts whose missing parts timed out,
  // and the receipt-stream bounds.
  const periodic = await startPeriodicJobs({ redis: config.redis, prefix: config.redis.prefix, queue: 'dlr-worker', logger }, [
    { name: 'aggregate-timeouts', everyMs: 1_000, run: () => receipts.sweep() },
    { name: 'receipt-expiry', everyMs: 60_000, run: () => expire(config.clients.map((c) => c.systemId)) },
  ]);
  return rt.start(
    { periodic, store },
    { store: () => store.ping() },
  );
});
