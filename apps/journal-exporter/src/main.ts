import { GROUPS } from '@smsgw/contracts';
import { bootApp } from '@smsgw/platform';
import { createStageRuntime, startPeriodicJobs } from '@smsgw/redis';
import { createJournalSink, createS3Client, ensureBuckets, startEmbeddedS3 } from '@smsgw/s3';
import { createBatchLedger } from './batch-ledger';
import { createJournalBatcher } from './journal-batcher';
import { createStatsSnapshots } from './stats-snapshots';

await bootApp('journal-exporter', process, async (ctx) => {
  const { config, logger, metrics, instance } = ctx;
  const j = config.journal;
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
  const keyInstance = j.instance ?? instance;
  const sink = createJournalSink({ client, buckets: config.s3.buckets, instance: keyInstance });
  // The ledger fences batches by consumer name: it must be the name the consumer reads with.
  const ledger = createBatchLedger({ redis, stream: names.journal, group: GROUPS.journal, consumer: instance });
  const batcher = createJournalBatcher({
    ledger,
    store: sink,
    instance: keyInstance,
    maxRecords: j.maxRecords,
    maxBytes: j.maxBytes,
    maxAgeMs: j.maxAgeMs,
    retryMinMs: j.retryMinMs,
    retryMaxMs: j.retryMaxMs,
    statsPeriodMs: j.statsEveryMinutes * 60_000,
    metrics,
    logger,
  });
  rt.consumer({
    stream: names.journal,
    group: GROUPS.journal,
    batchSize: 1_000,
    // Taking over sooner is safe (batches are fenced in Redis) but wastes uploads of live peers.
    claimIdleMs: j.claimIdleMs ?? Math.max(config.streams.claimIdleMs, j.maxAgeMs * 2 + 30_000),
    maxDeliveries: Number.MAX_SAFE_INTEGER, // S3 down is not a poison entry
    handler: batcher.handler,
  });
  const timer = setInterval(() => void batcher.tick(), Math.min(1_000, j.maxAgeMs));
  const stats = j.statsEveryMinutes
    ? createStatsSnapshots({
        ledger,
        putJson: (key, doc) => sink.putJson('proxy', key, doc),
        minutes: j.statsEveryMinutes,
        graceMs: j.statsGraceMs,
        logger,
      })
    : undefined;
  // Snapshots are looked for once per 10 s across every exporter.
  const periodic = await startPeriodicJobs(
    { redis: config.redis, prefix: config.redis.prefix, queue: 'journal-exporter', logger },
    stats ? [{ name: 'stats-snapshots', everyMs: 10_000, run: () => stats.tick() }] : [],
  );
  return rt.start({
    timer: { close: () => clearInterval(timer) },
    periodic,
    batch: batcher,
    s3: { close: () => { client.destroy(); return embedded?.close(); } },
  });
});
