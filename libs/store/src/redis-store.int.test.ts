import { randomUUID } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_STATES, canTransition } from '@smsgw/contracts';
import { redisNamespace } from '../../testing/src/redis-namespace';
import { createRedisStateStore, redisStoreKeys } from './redis-store';
import { describeStateStoreContract } from './state-store.contract';

describeStateStoreContract('redis', async () => {
  const ns = await redisNamespace('store');
  return { store: createRedisStateStore({ redis: ns.redis, prefix: ns.prefix }), cleanup: ns.cleanup };
});

describe('redis state store specifics', () => {
  let ns: Awaited<ReturnType<typeof redisNamespace>>;
  beforeAll(async () => {
    ns = await redisNamespace('store-x');
  });
  afterAll(async () => {
    await ns.cleanup();
  });

  it('enforces inside Lua exactly the canTransition rule of contracts', async () => {
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const checks: Promise<void>[] = [];
    for (const from of MESSAGE_STATES) {
      for (const to of MESSAGE_STATES) {
        checks.push(
          (async () => {
            const id = randomUUID();
            // createMessage only takes the entry states, so other start states are written raw.
            await ns.redis.hset(redisStoreKeys(ns.prefix).msg(id), { st: from, n: 0, ca: 1, ua: 1 });
            const r = await store.transition(id, to, { at: 2 });
            expect({ from, to, applied: r.applied }).toEqual({ from, to, applied: canTransition(from, to) });
          })(),
        );
      }
    }
    await Promise.all(checks);
  });

  /**
   * The commands Redis ran on `key` while `run` ran, in order, those a script ran included (MONITOR
   * on every master: the tests share the server, so only this key's are kept), a script call as
   * SCRIPT (ioredis sends EVAL where the node lacks the script: a cluster's other shards). A TYPE
   * of the key after `run` marks the end of its commands in the feed.
   */
  async function commandsOn(key: string, run: () => Promise<unknown>): Promise<string[]> {
    const client = ns.redis as unknown;
    const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [ns.redis];
    const monitors = await Promise.all(nodes.map((n) => n.monitor()));
    const seen: string[] = [];
    let ended = false;
    for (const m of monitors) {
      m.on('monitor', (_time: string, args: string[]) => {
        if (!args.includes(key) || ended) return;
        const name = args[0]!.toUpperCase();
        if (name === 'TYPE') ended = true;
        else seen.push(name === 'EVALSHA' || name === 'EVAL' ? 'SCRIPT' : name);
      });
    }
    try {
      await run();
      await ns.redis.type(key);
      for (const end = Date.now() + 5_000; !ended && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
      expect(ended, 'the MONITOR feed reached the end marker').toBe(true);
      return seen;
    } finally {
      for (const m of monitors) m.disconnect();
    }
  }

  it('runs a message through the store with few commands: one script per write, one read, one write, one EXPIRE', async () => {
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const keys = redisStoreKeys(ns.prefix);
    const whole = { of: (ps: (string | null)[]) => (ps.every(Boolean) ? ('DELIVERED' as const) : null) };
    const message = async (parts: number) => {
      const id = randomUUID();
      await store.createMessage({ id, sys: 's', src: '1', dst: '2', rd: 1, state: 'ROUTED', at: 1 });
      return { id, key: keys.msg(id), submit: (part: number, at = 2) => store.recordSubmit(id, { part, parts, smsc: 'a', smscMsgId: `${id}-${part}`, at }) };
    };
    const write = ['SCRIPT', 'HMGET', 'HSET', 'EXPIRE'];

    // One part: the receipt's write moves the message too, in the same script.
    const one = await message(1);
    expect(await commandsOn(one.key, () => one.submit(0))).toEqual(write);
    expect((await store.get(one.id))?.state).toBe('SUBMITTED');
    const final = await commandsOn(one.key, () => store.recordPartFinal(one.id, 0, 'DELIVERED', { at: 3, whole }));
    expect(final).toEqual(write);
    expect((await store.get(one.id))?.state).toBe('DELIVERED');
    // A duplicate receipt only reads.
    expect(await commandsOn(one.key, () => store.recordPartFinal(one.id, 0, 'DELIVERED', { at: 4, whole }))).toEqual(['SCRIPT', 'HMGET']);
    expect(await commandsOn(one.key, () => store.transition(one.id, 'EXPIRED', { at: 5 }))).toEqual(['SCRIPT', 'HMGET']);

    // Two parts: the first receipt's write reads its parts in one HMGET; the receipt of part 0
    // reads the other part with a second; the last one moves the message with a second script.
    const two = await message(2);
    expect(await commandsOn(two.key, () => two.submit(1))).toEqual(write);
    expect(await commandsOn(two.key, () => two.submit(0))).toEqual(write);
    expect((await store.get(two.id))?.state).toBe('SUBMITTED');
    expect(await commandsOn(two.key, () => store.recordPartFinal(two.id, 1, 'DELIVERED', { at: 3, whole }))).toEqual(write);
    expect(await commandsOn(two.key, () => store.recordPartFinal(two.id, 0, 'DELIVERED', { at: 4, whole }))).toEqual([
      'SCRIPT', 'HMGET', 'HMGET', 'HSET', 'EXPIRE', ...write,
    ]);
    expect((await store.get(two.id))?.state).toBe('DELIVERED');
    // A resend's id without a raw form removes the one the part had: the only extra command.
    const raw = await message(1);
    await store.recordSubmit(raw.id, { part: 0, parts: 1, smsc: 'a', smscMsgId: 'x1', rawSmscMsgId: '0X1', at: 2 });
    expect(await commandsOn(raw.key, () => store.recordSubmit(raw.id, { part: 0, parts: 1, smsc: 'a', smscMsgId: 'x2', at: 3 }))).toEqual([
      'SCRIPT', 'HMGET', 'HSET', 'HDEL', 'EXPIRE',
    ]);
    expect((await store.get(raw.id))?.rawSmscIds).toBeUndefined();

    // The search index of a destination: a first message only adds and sets the TTL; the next
    // ones trim by age (by rank only over the cap).
    const dst = `dst-${randomUUID()}`;
    const create = (at: number) => () => store.createMessage({ id: randomUUID(), sys: 's', src: '1', dst, rd: 1, state: 'ROUTED', at });
    expect(await commandsOn(keys.index('s', dst), create(1))).toEqual(['SCRIPT', 'ZADD', 'ZCARD', 'EXPIRE']);
    expect(await commandsOn(keys.index('s', dst), create(2))).toEqual(['SCRIPT', 'ZADD', 'ZCARD', 'ZREMRANGEBYSCORE', 'EXPIRE']);
  });

  /** Script calls (EVALSHA/EVAL) Redis ran while `run` ran that carried one of `keys` (MONITOR on every master). */
  async function scriptCallsWith(keys: string[], run: () => Promise<unknown>): Promise<number> {
    const client = ns.redis as unknown;
    const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [ns.redis];
    const monitors = await Promise.all(nodes.map((n) => n.monitor()));
    const marker = `${ns.prefix}:end-${randomUUID()}`;
    let calls = 0;
    let ended = 0;
    for (const m of monitors) {
      m.on('monitor', (_time: string, args: string[]) => {
        if (args.includes(marker)) ended++;
        else if (/^eval(sha)?$/i.test(args[0]!) && args.some((a) => keys.includes(a))) calls++;
      });
    }
    try {
      await run();
      // One marker per master, so each feed is known to have caught up.
      for (const n of nodes) await n.echo(marker);
      for (const end = Date.now() + 5_000; ended < nodes.length && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
      expect(ended, 'every MONITOR feed reached the end marker').toBe(nodes.length);
      return calls;
    } finally {
      for (const m of monitors) m.disconnect();
    }
  }

  it('sends the hot writes of one tick together: one script on one server, one per message key on a cluster', async () => {
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const keys = redisStoreKeys(ns.prefix);
    const ids = Array.from({ length: 6 }, () => randomUUID());
    const cluster = (ns.redis as unknown) instanceof Cluster;
    const msgKeys = ids.map((id) => keys.msg(id));
    // Create (with its index write), then submit (with its correlation), then receipts.
    const created = await scriptCallsWith([...msgKeys, keys.index('s', '2')], () =>
      Promise.all(ids.map((id) => store.createMessage({ id, sys: 's', src: '1', dst: '2', rd: 1, state: 'ROUTED', at: 1 }))));
    expect(created).toBe(cluster ? 7 : 1);
    const submitted = await scriptCallsWith(msgKeys, () => Promise.all(ids.map((id, i) => store.recordSubmit(id, { part: 0, parts: 1, smsc: 'a', smscMsgId: `b-${i}`, at: 2 }))));
    expect(submitted).toBe(cluster ? 6 : 1);
    const found = await Promise.all(ids.map((_, i) => store.findCorrelation('a', `b-${i}`)));
    expect(found.map((c) => c?.id)).toEqual(ids);
    const whole = { of: () => 'DELIVERED' as const };
    const finals = await Promise.all(ids.map((id) => store.recordPartFinal(id, 0, 'DELIVERED', { at: 3, whole })));
    expect(finals.map((f) => [f.applied, f.whole?.applied])).toEqual(ids.map(() => [true, true]));
    expect((await Promise.all(ids.map((id) => store.get(id)))).map((r) => r?.state)).toEqual(ids.map(() => 'DELIVERED'));
  });

  it('an operation that fails in a shared call fails alone: the others of that call are done', async () => {
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const keys = redisStoreKeys(ns.prefix);
    const [bad, good] = [randomUUID(), randomUUID()];
    await ns.redis.sadd(keys.msg(bad), 'x'); // not a hash: the submit's HMGET there is a WRONGTYPE
    await store.createMessage({ id: good, sys: 's', src: '1', dst: '9', rd: 1, state: 'ROUTED', at: 1 });
    const out = await Promise.allSettled([bad, good].map((id) => store.recordSubmit(id, { part: 0, parts: 1, smsc: 'a', smscMsgId: `f-${id}`, at: 2 })));
    expect(out[0]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/WRONGTYPE/) }) });
    expect(out[1]).toEqual({ status: 'fulfilled', value: { submitted: true } });
    expect((await store.get(good))?.state).toBe('SUBMITTED');
  });

  it('puts the TTL on every key it writes', async () => {
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix, ttlSeconds: 1234 });
    const keys = redisStoreKeys(ns.prefix);
    const id = randomUUID();
    await store.createMessage({ id, sys: 's', src: '1', dst: '2', rd: 0, state: 'ACCEPTED', at: 1 });
    await store.recordSubmit(id, { part: 0, parts: 1, smsc: 'a', smscMsgId: 'ttl-1', at: 2 });
    await store.incrementStats('2024-01-01', 's', 'a', 'DELIVERED');
    for (const k of [keys.msg(id), keys.corr('a', 'ttl-1'), keys.stats('2024-01-01', 's', 'a'), keys.index('s', '2')]) {
      const ttl = await ns.redis.ttl(k);
      expect(ttl, k).toBeGreaterThan(1200);
      expect(ttl, k).toBeLessThanOrEqual(1234);
    }
  });

  it('keeps the search index of a destination to its cap and its TTL, and leaves expired records out', async () => {
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix, ttlSeconds: 60, indexCap: 3 });
    const keys = redisStoreKeys(ns.prefix);
    const sys = `cap-${randomUUID().slice(0, 8)}`;
    const T = 1_700_000_000_000;
    const ids = Array.from({ length: 5 }, () => randomUUID());
    // One older than the TTL: dropped by the next write.
    await store.createMessage({ id: ids[0]!, sys, src: '1', dst: '2', rd: 0, state: 'ACCEPTED', at: T - 61_000 });
    for (const [i, id] of ids.slice(1).entries()) await store.createMessage({ id, sys, src: '1', dst: '2', rd: 0, state: 'ACCEPTED', at: T + i });
    expect(await ns.redis.zrange(keys.index(sys, '2'), '0', '-1')).toEqual(ids.slice(2));
    await ns.redis.del(keys.msg(ids[3]!));
    const found = await store.search({ sys, dst: '2', from: 0, to: T + 10, limit: 10 });
    expect(found.map((r) => r.id)).toEqual([ids[4], ids[2]]);
  });
});
