import { afterEach, describe, expect, it } from 'vitest';
import { redisNamespace } from '@smsgw/testing';
import { createBlockingRedis } from './redis-client';
import { createStreamConsumer, type BatchHandler, type StreamConsumer } from './stream-consumer';
import { ensureGroup, trimAcknowledged, xaddEntry, type StreamEntry } from './stream-entry';

const until = async (cond: () => boolean | Promise<boolean>, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('stream consumer (real Redis)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(handler: BatchHandler, extra: Partial<Parameters<typeof createStreamConsumer>[0]> = {}) {
    const ns = await redisNamespace('consumer');
    const stream = `${ns.prefix}:s`;
    const consumer: StreamConsumer = createStreamConsumer({
      redis: ns.redis,
      blocking: createBlockingRedis(ns.target),
      stream,
      group: 'g',
      consumer: 'c1',
      handler,
      blockMs: 50,
      ...extra,
      deadStream: extra.deadStream === 'DEAD' ? `${ns.prefix}:dead` : extra.deadStream,
    });
    cleanups.push(async () => {
      await consumer.stop();
      await ns.cleanup();
    });
    return { ns, stream, consumer };
  }

  it('delivers each entry once, acks what the handler acked, and trims acked entries', async () => {
    const seen: unknown[] = [];
    const { ns, stream, consumer } = await setup(async (entries) => {
      entries.forEach((e) => seen.push(e.data));
      return { ack: entries.map((e) => e.id) };
    });
    await consumer.start();
    for (let i = 0; i < 50; i++) await xaddEntry(ns.redis, stream, { n: i });
    await until(() => seen.length === 50);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, n) => ({ n })));
    await until(async () => ((await ns.redis.xpending(stream, 'g')) as [number])[0] === 0);
    expect(await trimAcknowledged(ns.redis, stream)).toBe(50);
    expect(await ns.redis.xlen(stream)).toBe(0);
  });

  it('redelivers an unacked entry after claimIdleMs and dead-letters it past maxDeliveries', async () => {
    const deliveries: number[] = [];
    const dead: StreamEntry[] = [];
    const { ns, stream, consumer } = await setup(
      async (entries) => {
        entries.forEach((e) => deliveries.push(e.deliveries));
        return { ack: [] }; // never done: a poison entry
      },
      { claimIdleMs: 100, claimIntervalMs: 50, maxDeliveries: 3, onDead: async (e) => void dead.push(e) },
    );
    await consumer.start();
    await xaddEntry(ns.redis, stream, { poison: true });
    await until(() => dead.length === 1);
    expect(deliveries).toEqual([1, 2, 3]);
    expect(dead[0].data).toEqual({ poison: true });
    expect(((await ns.redis.xpending(stream, 'g')) as [number])[0]).toBe(0);
  });

  it('writes dead entries to the dead-letter stream', async () => {
    const { ns, stream, consumer } = await setup(async () => ({ ack: [] }), {
      claimIdleMs: 100,
      claimIntervalMs: 50,
      maxDeliveries: 1,
      deadStream: 'DEAD',
    });
    await consumer.start();
    await xaddEntry(ns.redis, stream, { x: 1 });
    await until(async () => (await ns.redis.xlen(`${ns.prefix}:dead`)) === 1);
    const [[, fields]] = (await ns.redis.xrange(`${ns.prefix}:dead`, '-', '+')) as [string, string[]][];
    expect(JSON.parse(fields[1])).toMatchObject({ stream, deliveries: 2, data: { x: 1 } });
  });

  it('holds entries its handler is still working on: no other consumer reclaims them and no delivery is counted', async () => {
    let release: () => void = () => undefined;
    const working = new Promise<void>((r) => (release = r));
    const first: StreamEntry[] = [];
    const { ns, stream, consumer } = await setup(
      async (entries) => {
        first.push(...entries);
        await working; // e.g. a message waiting for its SMSC to come back
        return { ack: entries.map((e) => e.id) };
      },
      // Touched every 100 ms against a 900 ms claim time: a wide margin on a loaded machine.
      { claimIdleMs: 900, claimIntervalMs: 50, holdMs: 100, maxDeliveries: 1 },
    );
    const stolen: StreamEntry[] = [];
    const other = createStreamConsumer({
      redis: ns.redis, blocking: createBlockingRedis(ns.target), stream, group: 'g', consumer: 'c2',
      handler: async (e) => { stolen.push(...e); return { ack: e.map((x) => x.id) }; },
      blockMs: 50, claimIdleMs: 900, claimIntervalMs: 50, maxDeliveries: 1,
    });
    cleanups.push(() => other.stop());
    await consumer.start();
    await xaddEntry(ns.redis, stream, { waits: true });
    await until(() => first.length === 1);
    await other.start();
    await new Promise((r) => setTimeout(r, 2_500)); // nearly three claim idle times
    expect(stolen).toEqual([]);
    const [[id, owner, , delivered]] = (await ns.redis.xpending(stream, 'g', '-', '+', 10)) as [string, string, number, number][];
    expect([id, owner, delivered]).toEqual([first[0]!.id, 'c1', 1]);
    release();
    await until(async () => ((await ns.redis.xpending(stream, 'g')) as [number])[0] === 0);
    expect(stolen).toEqual([]);
  });

  it('retries an entry that failed while the rest of its batch is still held: released at once, reclaimed after claimIdleMs', async () => {
    let release: () => void = () => undefined;
    const working = new Promise<void>((r) => (release = r));
    const seen: Array<{ id: string; deliveries: number }> = [];
    let failed = false;
    const { ns, stream, consumer } = await setup(
      async (entries, control) => {
        seen.push(...entries.map((e) => ({ id: e.id, deliveries: e.deliveries })));
        const waiting = entries.filter((e) => (e.data as { waits?: boolean }).waits);
        const flaky = entries.filter((e) => !(e.data as { waits?: boolean }).waits);
        if (flaky.length && !failed) {
          // The first attempt fails (Redis away a moment): let go of it, keep waiting for the other.
          failed = true;
          control?.release(flaky.map((e) => e.id));
          if (waiting.length) await working;
          return { ack: waiting.map((e) => e.id) };
        }
        if (waiting.length) await working;
        return { ack: entries.map((e) => e.id) };
      },
      { claimIdleMs: 600, claimIntervalMs: 50, holdMs: 100, batchSize: 10 },
    );
    const waits = await xaddEntry(ns.redis, stream, { waits: true });
    const flaky = await xaddEntry(ns.redis, stream, { waits: false });
    await consumer.start();
    // The failed entry comes back while its batch-mate still waits (held, never reclaimed).
    await until(() => seen.filter((s) => s.id === flaky).length === 2, 5_000);
    expect(seen.filter((s) => s.id === waits)).toEqual([{ id: waits, deliveries: 1 }]);
    expect(seen.find((s) => s.id === flaky && s.deliveries === 2)).toBeDefined();
    release();
    await until(async () => ((await ns.redis.xpending(stream, 'g')) as [number])[0] === 0);
  });

  it('gives requeued entries back to the stream at once, as new entries, and acks the originals', async () => {
    const seen: Array<{ id: string; data: unknown }> = [];
    const { ns, stream, consumer } = await setup(async (entries) => {
      entries.forEach((e) => seen.push({ id: e.id, data: e.data }));
      // The first time round the handler gives everything back (say it is stopping).
      return seen.length <= 2 ? { ack: [], requeue: entries.map((e) => e.id) } : { ack: entries.map((e) => e.id) };
    });
    await xaddEntry(ns.redis, stream, { n: 1 });
    await xaddEntry(ns.redis, stream, { n: 2 });
    await consumer.start();
    await until(() => seen.length === 4);
    expect(seen.map((x) => x.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 1 }, { n: 2 }]);
    expect(new Set(seen.map((x) => x.id)).size).toBe(4); // new entries, not redeliveries
    await until(async () => ((await ns.redis.xpending(stream, 'g')) as [number])[0] === 0);
  });

  it('acks a pending entry trimmed away, never one another consumer claimed between its XPENDING and XCLAIM', async () => {
    const ns = await redisNamespace('claimrace');
    const stream = `${ns.prefix}:s`;
    cleanups.push(() => ns.cleanup());
    await ensureGroup(ns.redis, stream, 'g');
    const raced = (await xaddEntry(ns.redis, stream, { m: 1 }))!;
    const trimmed = (await xaddEntry(ns.redis, stream, { m: 2 }))!;
    await ns.redis.xreadgroup('GROUP', 'g', 'crashed', 'COUNT', 10, 'STREAMS', stream, '>');
    await ns.redis.xdel(stream, trimmed);
    await new Promise((r) => setTimeout(r, 150));
    // Another consumer (a second sender reclaiming at the same moment) takes `raced` right
    // after this one's XPENDING listed it as idle.
    const redis = new Proxy(ns.redis, {
      get(target, prop) {
        if (prop === 'xpending') {
          return async (...args: Parameters<typeof target.xpending>) => {
            const res = await target.xpending(...args);
            await target.xclaim(stream, 'g', 'other', 0, raced, 'JUSTID');
            return res;
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const got: unknown[] = [];
    const c = createStreamConsumer({
      redis, blocking: createBlockingRedis(ns.target), stream, group: 'g', consumer: 'late',
      handler: async (e) => { e.forEach((x) => got.push(x.data)); return { ack: e.map((x) => x.id) }; },
      blockMs: 50, claimIdleMs: 100,
    });
    cleanups.push(() => c.stop());
    expect(await c.reclaim()).toBe(0);
    expect(got).toEqual([]);
    // `raced` stays pending on its new owner; the trimmed one left the pending list.
    const pending = (await ns.redis.xpending(stream, 'g', '-', '+', 10)) as [string, string, number, number][];
    expect(pending.map(([id, owner]) => [id, owner])).toEqual([[raced, 'other']]);
  });

  it('lingerMs: after a short read, what arrives meanwhile comes as one batch', async () => {
    const batches: unknown[][] = [];
    const { ns, stream, consumer } = await setup(
      async (entries) => {
        batches.push(entries.map((e) => e.data));
        return { ack: entries.map((e) => e.id) };
      },
      { batchSize: 10, lingerMs: 1_000 },
    );
    await consumer.start();
    await xaddEntry(ns.redis, stream, { n: 1 });
    await until(() => batches.length === 1);
    // One at a time, well inside the linger: without it each would be a read (and a batch) of its own.
    for (const n of [2, 3, 4]) {
      await xaddEntry(ns.redis, stream, { n });
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(() => batches.flat().length === 4);
    expect(batches).toEqual([[{ n: 1 }], [{ n: 2 }, { n: 3 }, { n: 4 }]]);
  });

  it('lingerMs: a full read is followed by the next one at once, and stop() does not wait out a linger', async () => {
    const batches: number[] = [];
    const { ns, stream, consumer } = await setup(
      async (entries) => {
        batches.push(entries.length);
        return { ack: entries.map((e) => e.id) };
      },
      { batchSize: 2, lingerMs: 60_000 },
    );
    for (let n = 0; n < 5; n++) await xaddEntry(ns.redis, stream, { n });
    await consumer.start();
    // Two full reads and a short one: only the short one starts a (minute-long) linger.
    await until(() => batches.length === 3, 3_000);
    expect(batches).toEqual([2, 2, 1]);
    const t0 = Date.now();
    await consumer.stop();
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it('a second consumer takes over the entries of a dead one (XCLAIM after idle)', async () => {
    const ns = await redisNamespace('takeover');
    const stream = `${ns.prefix}:s`;
    cleanups.push(() => ns.cleanup());
    await ensureGroup(ns.redis, stream, 'g');
    await xaddEntry(ns.redis, stream, { m: 1 });
    // consumer "crashed" after reading: the entry is pending on it forever
    await ns.redis.xreadgroup('GROUP', 'g', 'crashed', 'COUNT', 10, 'STREAMS', stream, '>');
    const got: unknown[] = [];
    const c = createStreamConsumer({
      redis: ns.redis, blocking: createBlockingRedis(ns.target), stream, group: 'g', consumer: 'alive',
      handler: async (e) => { e.forEach((x) => got.push(x.data)); return { ack: e.map((x) => x.id) }; },
      blockMs: 50, claimIdleMs: 100, claimIntervalMs: 50,
    });
    cleanups.push(() => c.stop());
    await c.start();
    await until(() => got.length === 1);
    expect(got).toEqual([{ m: 1 }]);
  });
});
