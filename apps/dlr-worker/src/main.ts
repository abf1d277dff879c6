import { GROUPS } from '@smsgw/contracts';
import { createMoRouter } from '@smsgw/domain';
import { bootApp, clientSchema, storeObserver } from '@smsgw/platform';
import { createClientRegistry, createReceiptEmitter, createStageRuntime, startPeriodicJobs } from '@smsgw/redis';
import { openStateStore } from '@smsgw/store';
import { createReceiptHandler } from './receipt-handler';
import { createAggregateTracker } from './aggregate-tracker';
import { createReceiptExpiry } from './receipt-expiry';

await bootApp('dlr-worker', process, async (ctx) => {
  const { config, logger, metrics } = ctx;
  const rt = createStageRuntime(ctx);
  const { redis, names } = rt;
  const store = await openStateStore(config.state, redis, config.redis.prefix, storeObserver(metrics));
  // Clients added or changed at run time (admin API): receipt policies and MO numbers follow
  // within a second, rebuilt on a change only.
  const registry = createClientRegistry({ redis, prefix: config.redis.prefix, fileClients: config.clients, logger });
  await registry.start();
  let moRoute = createMoRouter(registry.all());
  registry.onChange(() => void (moRoute = createMoRouter(registry.all())));
  // A client not in the config (gone since its messages were sent) gets the schema's defaults.
  const defaultPolicy = clientSchema.shape.receipts.parse(undefined);
  const receipts = createReceiptHandler({
    redis, store, names, metrics, logger,
    tracing: ctx.tracing,
    group: GROUPS.dlr,
    emitReceipt: createReceiptEmitter(redis, { prefix: config.redis.prefix }),
    clientPolicy: (sys) => registry.get(sys)?.receipts ?? defaultPolicy,
    moRoute: (destination) => moRoute(destination),
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
    { name: 'receipt-expiry', everyMs: 60_000, run: () => expire(registry.all().map((c) => c.systemId)) },
  ]);
  return rt.start(
    { periodic, store, clients: registry },
    { store: () => store.ping() },
  );
});
