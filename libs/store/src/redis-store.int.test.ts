import { randomUUID } from 'node:crypto';
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
