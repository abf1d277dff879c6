import type { Redis as SingleRedis } from 'ioredis';
import type { Redis } from './redis-client';

// One server's and the cluster client's commands are the same; TypeScript cannot pick an
// overload with spread arguments on their union, so such calls are typed as one server's.
const commands = (redis: Redis) => redis as SingleRedis;
import type { Logger } from 'pino';
import { decodeFields, encodeEntry, ensureGroup, trimAcknowledged, type StreamEntry } from './stream-entry';
import { ENTRY_FIELD } from '@smsgw/contracts';

/**
 * What a handler decided for each entry of a batch: `ack` entries are done (their output is
 * durably written); `requeue` entries go back to the stream at once as new entries (the
 * handler gives them up, e.g. while stopping) and the originals are acknowledged; entries left
 * out stay pending and come back after `claimIdleMs` (retry).
 */
export type BatchHandler = (entries: StreamEntry[], control?: BatchControl) => Promise<{ ack: string[]; requeue?: string[] }>;

/** What a handler may tell the consumer while its batch is still being handled. */
export interface BatchControl {
  /**
   * These entries failed (they stay pending): stop holding them, so the reclaim retries them
   * after `claimIdleMs` — not only once the slowest entry of their batch is done, which may be
   * a message waiting hours for its SMSC.
   */
  release(ids: readonly string[]): void;
}

export interface StreamConsumerOptions {
  /** Connection for non-blocking commands (XACK, XCLAIM, …), shared with the app. */
  redis: Redis;
  /** Dedicated connection for XREADGROUP BLOCK; closed by stop() to break the read. */
  blocking: Redis;
  stream: string;
  group: string;
  consumer: string;
  handler: BatchHandler;
  batchSize?: number;
  blockMs?: number;
  /**
   * After a read that came back short of `batchSize`, the next read waits until this long after
   * it returned (default 0), so what arrives meanwhile is read and handled as one batch: below
   * saturation a stage then works in groups instead of waking up for every few entries. A full
   * batch is followed by the next read at once.
   */
  lingerMs?: number;
  /** Batches handled at once; the loop reads only when one finishes (backpressure). */
  concurrency?: number;
  /** Entries pending longer than this (any consumer) are claimed and handled again. */
  claimIdleMs?: number;
  claimIntervalMs?: number;
  /** Above this many deliveries an entry goes to `deadStream` and `onDead` is told. */
  maxDeliveries?: number;
  deadStream?: string;
  onDead?: (entry: StreamEntry) => Promise<void>;
  /** Trim acknowledged entries on the claim timer (default true). */
  trim?: boolean;
  /**
   * Entries a handler holds longer than this (e.g. a message waiting for its SMSC) are claimed
   * again by this consumer every `holdMs` with JUSTID — their idle time resets and their
   * delivery count does not grow — so no other consumer reclaims, and no poison count
   * dead-letters, work that is only waiting. Must be below `claimIdleMs`. Off when absent.
   */
  holdMs?: number;
  logger?: Logger;
  onError?: (err: unknown) => void;
}

export interface StreamConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Runs one reclaim pass now (tests, and the timer). */
  reclaim(): Promise<number>;
  readonly running: boolean;
}

function toEntries(raw: unknown, deliveries = 1): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (const item of (raw as [string, string[] | null][]) ?? []) {
    // A claimed id whose entry was trimmed comes back with null fields: nothing to handle.
    if (!item || !item[1]) continue;
    const d = decodeFields(item[1]);
    out.push({ id: item[0], data: d.data, deliveries, size: d.size });
  }
  return out;
}

/**
 * The consumer-group loop (watermill-redisstream's shape): create the group, reclaim stale
 * entries at start and on a timer, ack only what the handler says is done, read only as fast as
 * work finishes, move poison entries to a dead-letter stream.
 */
export function createStreamConsumer(o: StreamConsumerOptions): StreamConsumer {
  const batchSize = o.batchSize ?? 200;
  const blockMs = o.blockMs ?? 1_000;
  const lingerMs = o.lingerMs ?? 0;
  const concurrency = o.concurrency ?? 1;
  const claimIdleMs = o.claimIdleMs ?? 30_000;
  const maxDeliveries = o.maxDeliveries ?? 10;
  let running = false;
  let loop: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();
  /** Entries a batch of this consumer is handling now: the reclaim leaves them alone. */
  const handling = new Set<string>();
  let reclaiming: Promise<{ total: number; running: Promise<void> }> | undefined;

  const report = (err: unknown, what: string) => {
    if (!running) return;
    o.logger?.error({ err, stream: o.stream }, what);
    o.onError?.(err);
  };

  if (o.holdMs !== undefined && o.holdMs >= claimIdleMs) throw new RangeError(`holdMs (${o.holdMs}) must be below claimIdleMs (${claimIdleMs})`);

  /** Claims `ids` again every holdMs while the batch runs; ids released meanwhile are left out. */
  const hold = (ids: Set<string>) => {
    if (!o.holdMs) return () => undefined;
    const t = setInterval(() => {
      if (!ids.size) return;
      void commands(o.redis).xclaim(o.stream, o.group, o.consumer, 0, ...ids, 'JUSTID').catch((err) => report(err, 'hold (XCLAIM JUSTID) failed'));
    }, o.holdMs);
    t.unref();
    return () => clearInterval(t);
  };

  const requeue = async (entries: StreamEntry[], ids: string[]) => {
    const byId = new Map(entries.map((e) => [e.id, e]));
    for (const id of ids) {
      const e = byId.get(id);
      if (e?.data !== undefined) await o.redis.xadd(o.stream, '*', ENTRY_FIELD, encodeEntry(e.data));
      await o.redis.xack(o.stream, o.group, id);
    }
  };

  const handle = async (entries: StreamEntry[]) => {
    if (!entries.length) return;
    const held = new Set(entries.map((e) => e.id));
    for (const id of held) handling.add(id);
    const stopHolding = hold(held);
    const control: BatchControl = {
      release(ids) {
        for (const id of ids) {
          held.delete(id);
          handling.delete(id);
        }
      },
    };
    let res: { ack: string[]; requeue?: string[] };
    try {
      res = await o.handler(entries, control);
    } finally {
      stopHolding();
      control.release([...held]);
    }
    if (res.ack.length) await o.redis.xack(o.stream, o.group, ...res.ack);
    if (res.requeue?.length) await requeue(entries, res.requeue);
  };

  const run = (entries: StreamEntry[]) => {
    const p = handle(entries)
      .catch((err) => report(err, 'batch handler failed; entries stay pending'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  };

  const deadLetter = async (e: StreamEntry) => {
    if (o.deadStream) {
      await o.redis.xadd(o.deadStream, '*', ENTRY_FIELD, encodeEntry({ stream: o.stream, id: e.id, deliveries: e.deliveries, data: e.data }));
    }
    await o.onDead?.(e);
    await o.redis.xack(o.stream, o.group, e.id);
    o.logger?.warn({ stream: o.stream, entryId: e.id, deliveries: e.deliveries }, 'entry dead-lettered');
  };

  /**
   * Claims what is due and starts handling it; resolves once claimed (with the handling under
   * way), so a long batch — a message waiting for its SMSC — never keeps the next reclaim from
   * running. What this consumer is handling already is left alone.
   */
  const reclaimOnce = async (): Promise<{ total: number; running: Promise<void> }> => {
    let total = 0;
    const idle = { total: 0, running: Promise.resolve() };
    // XPENDING with IDLE gives delivery counts, so poison entries are caught before reprocessing.
    const pending = (await o.redis.xpending(o.stream, o.group, 'IDLE', claimIdleMs, '-', '+', batchSize)) as [string, string, number, number][];
    const retry: string[] = [];
    const counts = new Map<string, number>();
    for (const [id, , , deliveries] of pending) {
      if (handling.has(id)) continue;
      counts.set(id, deliveries + 1);
      retry.push(id);
    }
    if (!retry.length) return idle;
    const claimed = await commands(o.redis).xclaim(o.stream, o.group, o.consumer, claimIdleMs, ...retry);
    const entries = toEntries(claimed).map((e) => ({ ...e, deliveries: counts.get(e.id) ?? 2 }));
    const dead = entries.filter((e) => e.deliveries > maxDeliveries);
    for (const e of dead) await deadLetter(e);
    const live = entries.filter((e) => e.deliveries <= maxDeliveries);
    // An id XCLAIM did not return was either trimmed away while pending (nothing left to do but
    // ack it) or claimed by another consumer between our XPENDING and XCLAIM (its idle time
    // reset): that one is not ours to ack — acking it would drop it from the pending list, and a
    // failure of its new owner would never be retried.
    const returned = new Set(entries.map((e) => e.id));
    const unclaimed = retry.filter((id) => !returned.has(id));
    const gone: string[] = [];
    for (const id of unclaimed) if (!((await o.redis.xrange(o.stream, id, id)) as unknown[]).length) gone.push(id);
    if (gone.length) await o.redis.xack(o.stream, o.group, ...gone);
    total += live.length;
    return { total, running: live.length ? run(live) : Promise.resolve() };
  };

  const claimDue = () => {
    reclaiming ??= reclaimOnce().finally(() => (reclaiming = undefined));
    return reclaiming;
  };

  /** One reclaim, resolved once what it claimed was handled (start, tests). */
  const reclaim = async (): Promise<number> => {
    const r = await claimDue();
    await r.running;
    return r.total;
  };

  /** When the last short read returned (0: the last read was full or timed out). */
  let shortReadAt = 0;
  /** Ends the linger at once (stop). */
  let endLinger: (() => void) | undefined;
  const linger = async () => {
    const wait = shortReadAt + lingerMs - Date.now();
    if (!shortReadAt || wait <= 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, wait);
      endLinger = () => {
        clearTimeout(t);
        resolve();
      };
    });
    endLinger = undefined;
  };

  const readLoop = async () => {
    while (running) {
      while (running && inFlight.size >= concurrency) await Promise.race(inFlight);
      if (lingerMs) await linger();
      if (!running) break;
      try {
        const res = (await o.blocking.xreadgroup(
          'GROUP', o.group, o.consumer, 'COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', o.stream, '>',
        )) as [string, [string, string[]][]][] | null;
        const read = res?.[0][1];
        shortReadAt = read && read.length < batchSize ? Date.now() : 0;
        if (!read) continue;
        void run(toEntries(read));
      } catch (err) {
        if (!running) break;
        if (String((err as Error).message).includes('NOGROUP')) {
          await ensureGroup(o.redis, o.stream, o.group).catch(() => undefined);
        } else {
          report(err, 'XREADGROUP failed; retrying');
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  return {
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      await ensureGroup(o.redis, o.stream, o.group);
      running = true;
      await reclaim().catch((err) => report(err, 'reclaim failed'));
      const interval = o.claimIntervalMs ?? Math.max(100, Math.floor(claimIdleMs / 2));
      timer = setInterval(() => {
        void claimDue().catch((err) => report(err, 'reclaim failed'));
        if (o.trim !== false) void trimAcknowledged(o.redis, o.stream).catch((err) => report(err, 'trim failed'));
      }, interval);
      timer.unref();
      loop = readLoop();
    },
    async stop() {
      if (!running) return;
      running = false;
      if (timer) clearInterval(timer);
      endLinger?.();
      // A blocked XREADGROUP only returns when its connection goes away (bullmq's close()).
      o.blocking.disconnect();
      await loop;
      await Promise.allSettled([...inFlight, reclaiming]);
    },
    reclaim,
  };
}
