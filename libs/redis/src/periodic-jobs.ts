import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { Cluster, Redis as SingleRedis } from 'ioredis';
import { clusterSeeds, pingRedis, type RedisTarget } from './redis-client';

export interface PeriodicJob {
  /** Unique within the app (the BullMQ job scheduler id). */
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

export interface PeriodicJobsOptions {
  /** The `redis:` section (a cluster when `cluster` is set); `redisUrl` is the older form. */
  redis?: RedisTarget;
  redisUrl?: string;
  /**
   * The gateway's key prefix (`redis.prefix`); BullMQ's keys go under `<prefix>:jobs` — on a
   * cluster under the hash tag `{<prefix>:jobs}`, as BullMQ's scripts touch several keys of a
   * queue at once and a cluster runs a script on one slot only.
   */
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
  const target: RedisTarget = o.redis ?? { url: o.redisUrl };
  const cluster = target.cluster?.length ? target.cluster : undefined;
  const connect = () => {
    const c = cluster
      ? new Cluster(clusterSeeds(cluster), { redisOptions: { maxRetriesPerRequest: null } })
      : new SingleRedis(target.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    // BullMQ reports Redis errors on the worker ('error' below); unheard ones would crash the process.
    c.on('error', () => undefined);
    return c;
  };
  const prefix = cluster ? `{${o.prefix}:jobs}` : `${o.prefix}:jobs`;
  const queueConnection = connect();
  const workerConnection = connect();
  // A cluster that never answers would leave BullMQ waiting for ever: fail the start, naming it.
  if (cluster) {
    try {
      await pingRedis(queueConnection, target, 15_000);
    } catch (err) {
      queueConnection.disconnect();
      workerConnection.disconnect();
      throw err;
    }
  }
  const queue = new Queue(o.queue, { connection: queueConnection, prefix });
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
    { connection: workerConnection, prefix, concurrency: Math.max(1, jobs.length), stalledInterval: 30_000 },
  );
  worker.on('failed', (job, err) => o.logger?.warn({ err, job: job?.name }, 'periodic job failed; it runs again next period'));
  worker.on('error', (err) => o.logger?.warn({ err }, 'periodic jobs: Redis error'));
  return {
    async close() {
      await Promise.allSettled([worker.close(), queue.close()]);
      // BullMQ leaves connections it was handed open: they are ours to close.
      queueConnection.disconnect();
      workerConnection.disconnect();
    },
  };
}
