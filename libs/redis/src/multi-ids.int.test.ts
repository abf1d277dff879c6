import { afterEach, describe, expect, it } from 'vitest';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { BACKLOG_GRACE_MS } from './client-backlog';
import { createMultiIds, multiIdsKey } from './multi-ids';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('submit_multi ids under their cid (real Redis)', () => {
  let ns: RedisNamespace | undefined;
  afterEach(async () => {
    await ns?.cleanup();
    ns = undefined;
  });

  it('gives back the ids in submit order, for their own client only', async () => {
    ns = await redisNamespace('multi-ids');
    const ids = createMultiIds(ns.redis, ns.prefix);
    await ids.record('acme', 'cid-1', ['m3', 'm1', 'm2'], Date.now() + 60_000);
    expect(await ids.idsOf('acme', 'cid-1')).toEqual(['m3', 'm1', 'm2']);
    // Another client naming the cid, and a cid never recorded: not one.
    expect(await ids.idsOf('globex', 'cid-1')).toBeNull();
    expect(await ids.idsOf('acme', 'cid-2')).toBeNull();
    // One key, in the client's hash-tag slot.
    expect(await ns.redis.exists(multiIdsKey(ns.prefix, 'acme', 'cid-1'))).toBe(1);
    expect(multiIdsKey(ns.prefix, 'acme', 'cid-1')).toContain(':multi:{acme}:');
  });

  it("expires at the messages' expiry plus the backlog grace, by itself", async () => {
    ns = await redisNamespace('multi-ids-exp');
    const ids = createMultiIds(ns.redis, ns.prefix);
    const exp = Date.now() + 3_600_000;
    await ids.record('acme', 'later', ['a'], exp);
    expect(Number(await ns.redis.call('PEXPIRETIME', multiIdsKey(ns.prefix, 'acme', 'later')))).toBe(exp + BACKLOG_GRACE_MS);
    // Messages that expire now: their ids stay for the grace…
    await ids.record('acme', 'soon', ['b'], Date.now() - BACKLOG_GRACE_MS + 1_000);
    expect(await ids.idsOf('acme', 'soon')).toEqual(['b']);
    // …and then are gone without any sweep.
    while ((await ids.idsOf('acme', 'soon')) !== null) await sleep(20);
    expect(await ns.redis.exists(multiIdsKey(ns.prefix, 'acme', 'soon'))).toBe(0);
    expect(await ids.idsOf('acme', 'later')).toEqual(['a']);
  });
});
