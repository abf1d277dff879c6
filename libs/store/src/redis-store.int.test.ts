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
    for (const k of [keys.msg(id), keys.corr('a', 'ttl-1'), keys.stats('2024-01-01', 's', 'a')]) {
      const ttl = await ns.redis.ttl(k);
      expect(ttl, k).toBeGreaterThan(1200);
      expect(ttl, k).toBeLessThanOrEqual(1234);
    }
  });
});
