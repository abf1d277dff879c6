import { streamNames, type StreamNames } from '@smsgw/contracts';
import type { AppContext, ReadinessCheck, StartedApp } from '@smsgw/platform';
import { createCloser } from '@smsgw/platform';
import { createDeadLetterHandler } from './dead-letter';
import { createClientBacklog } from './client-backlog';
import { createBlockingRedis, createRedis, pingRedis, type Redis } from './redis-client';
import { createStreamConsumer, type BatchHandler, type StreamConsumer } from './stream-consumer';
import type { StreamEntry } from './stream-entry';
import { watchStreams } from './stream-gauges';

export interface StageConsumerOptions {
  stream: string;
  group: string;
  handler: BatchHandler;
  concurrency?: number;
  /** Overrides of the `streams:` config for this consumer. */
  batchSize?: number;
  claimIdleMs?: number;
  maxDeliveries?: number;
  /**
   * Poison entries always go to the dead stream; with 'fail-message' (streams that carry
   * messages) the message also ends FAILED with a receipt.
   */
  deadLetter?: 'keep' | 'fail-message';
  /** Keep entries a handler holds from being reclaimed (see StreamConsumerOptions.holdMs): claimIdleMs / 3. */
  hold?: boolean;
}

/** How long a stage waits at start for its Redis Cluster to answer. */
const CLUSTER_STARTUP_MS = 15_000;

/** Anything with a close() the stage owns besides Redis (the state store, SMSC links, …). */
export interface Resource {
  close(): Promise<void> | void;
}

/**
 * What every stage app shares: its Redis connection, the stream names, consumer-group loops
 * built from the `streams:` config (with gauges of their length and pending entries), and one
 * idempotent close that stops the consumers first, then the app's resources, then Redis.
 */
export function createStageRuntime(ctx: AppContext) {
  const { config, logger, metrics, instance } = ctx;
  const names: StreamNames = streamNames(config.redis.prefix);
  // `redis.cluster` when set (the cluster client), else `redis.url`.
  const redis: Redis = createRedis(config.redis, { commandTimeoutMs: config.redis.commandTimeoutMs, name: instance });
  const consumers: StreamConsumer[] = [];
  const watched: Array<{ stream: string; group: string }> = [];
  let stopGauges: () => void = () => undefined;
  // Aborted first thing on close: handlers stop waiting (for an SMSC link, a limiter) and give
  // their entries back, so the consumers can stop within the shutdown deadline.
  const stopping = new AbortController();

  return {
    names,
    redis,
    stopping: stopping.signal,
    consumer(o: StageConsumerOptions): StreamConsumer {
      // Counted as smsgw_errors_total{kind="dead_lettered"} (the alert rules watch it).
      const countDead = (then?: (e: StreamEntry) => Promise<void>) => async (e: StreamEntry) => {
        metrics.errors.inc({ kind: 'dead_lettered' });
        await then?.(e);
      };
      const consumer = createStreamConsumer({
        redis,
        blocking: createBlockingRedis(config.redis, `${instance}-read-${consumers.length}`),
        stream: o.stream,
        group: o.group,
        consumer: instance,
        batchSize: o.batchSize ?? config.streams.batchSize,
        blockMs: config.streams.blockMs,
        lingerMs: config.streams.readLingerMs,
        claimIdleMs: o.claimIdleMs ?? config.streams.claimIdleMs,
        maxDeliveries: o.maxDeliveries ?? config.streams.maxDeliveries,
        deadStream: names.dead,
        onDead: countDead(o.deadLetter === 'fail-message' ? createDeadLetterHandler(redis, names, ctx.app, createClientBacklog(redis, config.redis.prefix)) : undefined),
        concurrency: o.concurrency,
        holdMs: o.hold ? Math.floor((o.claimIdleMs ?? config.streams.claimIdleMs) / 3) : undefined,
        logger,
        handler: o.handler,
      });
      consumers.push(consumer);
      watched.push({ stream: o.stream, group: o.group });
      return consumer;
    },
    /** Adds a stream (read by another stage's group) to this app's length/pending gauges. */
    watch(stream: string, group: string): void {
      watched.push({ stream, group });
    },
    /** Starts every consumer and the stream gauges; returns the app's readiness and close. */
    async start(resources: Record<string, Resource> = {}, checks: Record<string, ReadinessCheck> = {}): Promise<StartedApp> {
      // A cluster client queues commands until it has the slot map: a `redis.cluster` whose
      // nodes never answer would leave the app hanging half started. It fails here instead,
      // with an error naming redis.cluster (and never falls back to `redis.url`).
      if (config.redis.cluster?.length) await pingRedis(redis, config.redis, CLUSTER_STARTUP_MS);
      await Promise.all(consumers.map((c) => c.start()));
      stopGauges = watchStreams(redis, () => watched, {
        length: metrics.streamLength,
        pending: metrics.streamPending,
      });
      return {
        checks: { redis: () => pingRedis(redis, config.redis, config.redis.commandTimeoutMs), ...checks },
        close: createCloser(
          [
            ['handlers', () => stopping.abort()],
            ['gauges', () => stopGauges()],
            ['consumers', async () => void (await Promise.allSettled(consumers.map((c) => c.stop())))],
            ...Object.entries(resources).map(([name, r]): [string, () => Promise<void> | void] => [name, () => r.close()]),
            ['redis', () => void redis.disconnect()],
          ],
          logger,
        ),
      };
    },
  };
}
