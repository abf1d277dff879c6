import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';

export interface PeriodicJob {
  /** Unique within the app (the BullMQ job scheduler id). */
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

export interface PeriodicJobsOptions {
  redisUrl: string;
  /** The gateway's key prefix (`redis.prefix`); BullMQ's keys go under `<prefix>:jobs`. */
  prefix: string;
  /** The queue: one per app, shared by every instance of it. */
  queue: string;
  logger?: Logger;
}

/**
 * Periodic work that must run once per period across every instance of an app (sweeps of
 * timed-out aggregates, receipt expiry, scheduled-message release…), on BullMQ job schedulers:
 * each instance upserts the same schedulers (idempotent) and runs a worker; each occurrence is
 * one job, which one worker takes. A crashed instance's job is taken over by BullMQ's stalled-
 * job check. The jobs themselves stay idempotent: a job that outlasts its period may overlap
 * the next one on another instance.
 */
export async function startPeriodicJobs(o: PeriodicJobsOptions, jobs: PeriodicJob[]): Promise<{ close(): Promise<void> }> {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  // BullMQ wants its own connections (the worker blocks on one); it keeps retrying while Redis is away.
  const connection = { url: o.redisUrl, maxRetriesPerRequest: null };
  const prefix = `${o.prefix}:jobs`;
  const queue = new Queue(o.queue, { connection, prefix });
  for (const j of jobs) {
    await queue.upsertJobScheduler(j.name, { every: j.everyMs }, { name: j.name, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }
  const worker = new Worker(
    o.queue,
    async (job) => {
      const j = byName.get(job.name);
      // A scheduler this version no longer has (left in Redis by an older one): nothing to do.
      if (j) return j.run();
    },
    { connection, prefix, concurrency: Math.max(1, jobs.length), stalledInterval: 30_000 },
  );
  worker.on('failed', (job, err) => o.logger?.warn({ err, job: job?.name }, 'periodic job failed; it runs again next period'));
  worker.on('error', (err) => o.logger?.warn({ err }, 'periodic jobs: Redis error'));
  return {
    async close() {
      await Promise.allSettled([worker.close(), queue.close()]);
    },
  };
}
