import { GROUPS } from '@smsgw/contracts';
import { bootApp } from '@smsgw/platform';
import { createStageRuntime } from '@smsgw/redis';
import { createJournalSink, createS3Client, ensureBuckets, startEmbeddedS3 } from '@smsgw/s3';
import { createJournalBatcher } from './journal-batcher';

await bootApp('journal-exporter', process, async (ctx) => {
  const { config, logger, metrics, instance } = ctx;
  const rt = createStageRuntime(ctx);
  const { redis, names } = rt;
  // No endpoint configured: the embedded S3-compatible server, for a single local instance.
  const embedded = config.s3.endpoint
    ? undefined
    : await startEmbeddedS3({ dir: config.s3.embedded.dir, port: config.s3.embedded.port, host: '127.0.0.1' });
  if (embedded) logger.info({ endpoint: embedded.endpoint, dir: config.s3.embedded.dir }, 'embedded S3 server started');
  const client = createS3Client({ ...config.s3, endpoint: config.s3.endpoint ?? embedded!.endpoint });
  await ensureBuckets(client, [config.s3.buckets.proxy, config.s3.buckets.mcp]).catch((err) =>
    logger.warn({ err: (err as Error).message }, 'could not create buckets (they may exist, or S3 is away)'),
  );
  const sink = createJournalSink({ client, buckets: config.s3.buckets, instance: config.journal.instance ?? instance });
  const batcher = createJournalBatcher({
    upload: (bucket, records, range, at) => sink.putBatch(bucket, 'events', records, range, at),
    ack: (ids) => redis.xack(names.journal, GROUPS.journal, ...ids),
    maxRecords: config.journal.maxRecords,
    maxBytes: config.journal.maxBytes,
    maxAgeMs: config.journal.maxAgeMs,
    metrics,
    logger,
  });
  rt.consumer({
    stream: names.journal,
    group: GROUPS.journal,
    batchSize: 1_000,
    // Entries wait in this exporter's batch up to maxAgeMs before their ack: never reclaim them sooner.
    claimIdleMs: Math.max(config.streams.claimIdleMs, config.journal.maxAgeMs * 2 + 30_000),
    maxDeliveries: Number.MAX_SAFE_INTEGER, // S3 down is not a poison entry
    handler: batcher.handler,
  });
  const timer = setInterval(() => void batcher.tick(), Math.min(1_000, config.journal.maxAgeMs));
  return rt.start({
    timer: { close: () => clearInterval(timer) },
    batch: batcher,
    s3: { close: () => { client.destroy(); return embedded?.close(); } },
  });
});
