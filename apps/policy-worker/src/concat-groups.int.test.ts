import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { outGroupSchema, streamNames, type InEntry, type OutEntry } from '@smsgw/contracts';
import { createClientRouter, createPolicyResolver, emptyPolicySettings } from '@smsgw/domain';
import { createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { type Redis } from '@smsgw/redis';
import { createMcp, policyKeys } from '@smsgw/mcp';
import { createRedisStateStore } from '@smsgw/store';
import { redisNamespace } from '@smsgw/testing';
import { createConcatGroups } from './concat-groups';
import { createPolicyHandler } from './policy-handler';

const udh = (ref: number, total: number, seq: number) => Buffer.from([5, 0, 3, ref, total, seq, 0x41]).toString('base64');
const inPart = (id: string, ref: number, total: number, seq: number, dst = '447700900123'): InEntry => ({
  v: 1, id, sys: 'acme',
  src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
  dst: { ton: 1, npi: 1, addr: dst, norm: dst },
  dc: 0, esm: 0x40, rd: 1, pid: 0, pri: 0, sm: udh(ref, total, seq), at: 1,
});
const part = (id: string, seq: number, dst?: string, ref = 7, total = 3): OutEntry => ({
  ...inPart(id, ref, total, seq, dst), pool: 'uk', smscs: ['uk'], rt: 1,
});

/** The groups written to `out:uk`, as lists of part ids. */
const outGroups = async (redis: Redis, prefix: string) =>
  ((await redis.xrange(streamNames(prefix).out('uk'), '-', '+')) as [string, string[]][])
    .map(([, f]) => outGroupSchema.parse(JSON.parse(f[1]!)).parts.map((p) => p.id));
/** Every key of the test except the out streams: what the groups leave behind. */
const leftOver = async (redis: Redis, prefix: string) => {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
    keys.push(...batch.filter((k) => !k.startsWith(`${prefix}:out:`)));
    cursor = next;
  } while (cursor !== '0');
  return keys;
};

describe('client-concatenated parts (real Redis)', () => {
  it('holds parts until the last one comes, then hands the group over once, in part order', async () => {
    const ns = await redisNamespace('concat');
    try {
      const g = createConcatGroups(ns.redis, ns.prefix, 60_000);
      const info = (seq: number) => ({ ref: 7, total: 3, seq });
      expect(await g.add(part('c', 3), info(3))).toEqual([]);
      expect(await g.add(part('a', 1), info(1))).toEqual([]);
      expect(await g.add(part('a', 1), info(1))).toEqual([]); // a redelivered part counts once
      const closed = await g.add(part('b', 2), info(2));
      expect(closed.map((c) => [c.why, c.parts.map((p) => p.id)])).toEqual([['complete', ['a', 'b', 'c']]]);
      await g.forward(closed, streamNames(ns.prefix).out);
      expect(await outGroups(ns.redis, ns.prefix)).toEqual([['a', 'b', 'c']]);
      expect(await g.sweep(['acme'], streamNames(ns.prefix).out, Date.now() + 120_000)).toEqual({}); // nothing left behind
      expect(await leftOver(ns.redis, ns.prefix)).toEqual([]);
    } finally {
      await ns.cleanup();
    }
  });

  it('sends an incomplete group on as it is once the timeout passed, and only once', async () => {
    const ns = await redisNamespace('concat-due');
    try {
      const g = createConcatGroups(ns.redis, ns.prefix, 1_000);
      const out = streamNames(ns.prefix).out;
      const t = Date.now();
      await g.add(part('x2', 2), { ref: 9, total: 3, seq: 2 }, t);
      await g.add(part('x1', 1), { ref: 9, total: 3, seq: 1 }, t);
      expect(await g.sweep(['acme'], out, t + 500)).toEqual({});
      expect(await g.sweep(['acme', 'globex'], out, t + 1_500)).toEqual({ timeout: 1 });
      expect(await g.sweep(['acme'], out, t + 5_000)).toEqual({});
      expect(await outGroups(ns.redis, ns.prefix)).toEqual([['x1', 'x2']]);
    } finally {
      await ns.cleanup();
    }
  });

  it('never overwrites a part: a reused reference closes the open group as it is and starts the next', async () => {
    const ns = await redisNamespace('concat-collide');
    try {
      const g = createConcatGroups(ns.redis, ns.prefix, 1_000);
      const out = streamNames(ns.prefix).out;
      const t = Date.now();
      const add = async (p: OutEntry, seq: number, total = 3) => {
        const closed = await g.add(p, { ref: 7, total, seq }, t);
        await g.forward(closed, out);
        return closed.map((c) => c.why);
      };
      // Message A (3 parts) has two in when message B, same destination and reference, starts.
      expect(await add(part('a1', 1), 1)).toEqual([]);
      expect(await add(part('a2', 2), 2)).toEqual([]);
      expect(await add(part('b1', 1), 1)).toEqual(['collision']);
      expect(await add(part('b2', 2), 2)).toEqual([]);
      expect(await add(part('b3', 3), 3)).toEqual(['complete']);
      // A's last part comes late: alone, it goes on at the timeout. C reuses the reference with
      // another part count: a different message too, though its slot is free.
      expect(await add(part('a3', 3), 3)).toEqual([]);
      expect(await add(part('c2', 2, undefined, 7, 2), 2, 2)).toEqual(['collision']);
      expect(await g.sweep(['acme'], out, t + 1_500)).toEqual({ timeout: 1 });
      expect(await outGroups(ns.redis, ns.prefix)).toEqual([['a1', 'a2'], ['b1', 'b2', 'b3'], ['a3'], ['c2']]);
      expect(await leftOver(ns.redis, ns.prefix)).toEqual([]);
    } finally {
      await ns.cleanup();
    }
  });

  it('forwards through the policy handler every acknowledged part of two messages with colliding parts', async () => {
    const ns = await redisNamespace('concat-handler');
    try {
      const names = streamNames(ns.prefix);
      const concat = createConcatGroups(ns.redis, ns.prefix, 60_000);
      const handler = createPolicyHandler({
        redis: ns.redis, store: createRedisStateStore({ redis: ns.redis, prefix: ns.prefix }), names, concat,
        logger: pino({ level: 'silent' }), metrics: createAppMetrics(createMetricsRegistry('p')),
        route: createClientRouter([{ prefix: '44', smscs: ['uk'], pool: 'uk' }], []),
        policy: createMcp({ redis: ns.redis, keys: policyKeys(ns.prefix), resolve: () => createPolicyResolver(emptyPolicySettings()) }),
      });
      const parts = [inPart('a1', 7, 2, 1), inPart('b1', 7, 2, 1), inPart('b2', 7, 2, 2), inPart('a2', 7, 2, 2)];
      const entries = parts.map((p, i) => ({ id: `${i + 1}-0`, data: { ...p, at: Date.now() }, deliveries: 1, size: 0 }));
      for (const e of entries) expect(await handler([e])).toEqual({ ack: [e.id] });
      expect(await outGroups(ns.redis, ns.prefix)).toEqual([['a1'], ['b1', 'b2']]);
      // a2 waits for a part 1 that will not come; at the timeout it goes on too.
      expect(await concat.sweep(['acme'], names.out, Date.now() + 61_000)).toEqual({ timeout: 1 });
      expect((await outGroups(ns.redis, ns.prefix)).flat().sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
    } finally {
      await ns.cleanup();
    }
  });

  it('times out 1,000 incomplete groups of one client in one sweep, none lost and none left in Redis', async () => {
    const ns = await redisNamespace('concat-many');
    try {
      const g = createConcatGroups(ns.redis, ns.prefix, 1_000);
      const t = Date.now();
      const ids = Array.from({ length: 1_000 }, (_, i) => `m${i}`);
      await Promise.all(ids.map((id, i) => g.add(part(id, 1, `4477009${String(i).padStart(5, '0')}`), { ref: 7, total: 2, seq: 1 }, t)));
      expect(await g.sweep(['acme'], streamNames(ns.prefix).out, t + 1_500)).toEqual({ timeout: 1_000 });
      expect((await outGroups(ns.redis, ns.prefix)).flat().sort()).toEqual([...ids].sort());
      expect(await leftOver(ns.redis, ns.prefix)).toEqual([]);
    } finally {
      await ns.cleanup();
    }
  }, 30_000);

  it('bounds the open groups of a client: the oldest goes on early rather than being dropped', async () => {
    const ns = await redisNamespace('concat-bound');
    try {
      const g = createConcatGroups(ns.redis, ns.prefix, 60_000, { maxOpen: 3 });
      const t = Date.now();
      const why: string[][] = [];
      for (let i = 0; i < 5; i++) {
        const closed = await g.add(part(`g${i}`, 1, `44770090000${i}`), { ref: 7, total: 2, seq: 1 }, t + i);
        why.push(closed.map((c) => `${c.why}:${c.parts.map((p) => p.id).join()}`));
        await g.forward(closed, streamNames(ns.prefix).out);
      }
      expect(why).toEqual([[], [], [], ['bound:g0'], ['bound:g1']]);
      expect(await ns.redis.zcard(`${ns.prefix}:concat-due:{acme}`)).toBe(3);
    } finally {
      await ns.cleanup();
    }
  });

  it('keeps a closed group its worker never forwarded (it died) and the sweep sends it after the lease', async () => {
    const ns = await redisNamespace('concat-lease');
    try {
      const g = createConcatGroups(ns.redis, ns.prefix, 1_000);
      const out = streamNames(ns.prefix).out;
      const t = Date.now();
      await g.add(part('p1', 1), { ref: 3, total: 2, seq: 1 }, t);
      expect(await g.add(part('p2', 2), { ref: 3, total: 2, seq: 2 }, t)).toHaveLength(1); // closed, never forwarded
      expect(await g.sweep(['acme'], out, t + 1_500)).toEqual({});
      expect(await g.sweep(['acme'], out, t + 61_000)).toEqual({ unconfirmed: 1 });
      expect(await outGroups(ns.redis, ns.prefix)).toEqual([['p1', 'p2']]);
      expect(await leftOver(ns.redis, ns.prefix)).toEqual([]);
    } finally {
      await ns.cleanup();
    }
  });
});
