import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptsInKey } from '@smsgw/contracts';
import { createLinkControl } from '@smsgw/redis';
import { statsDay } from '@smsgw/store';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { bearer, startAdmin, type AdminFixture } from './admin-fixture';

const NOW = Date.UTC(2026, 5, 15, 12);
let ns: RedisNamespace;
let fx: AdminFixture;

beforeAll(async () => {
  ns = await redisNamespace('admin-overview');
  // A fixed clock, in the middle of a day: "today" cannot turn into tomorrow mid-test.
  fx = await startAdmin(ns, '', { now: () => NOW });
});
afterAll(async () => {
  await fx?.close();
  await ns?.cleanup();
});

const overview = async () => {
  const res = await fx.app.inject({ method: 'GET', url: '/v1/overview', headers: bearer('viewer') });
  expect(res.statusCode).toBe(200);
  return res.json();
};
const row = (o: { streams: { stream: string }[] }, stream: string) => o.streams.find((s) => s.stream === stream);

describe('GET /v1/overview', () => {
  it('needs a token', async () => {
    expect((await fx.app.inject({ method: 'GET', url: '/v1/overview' })).statusCode).toBe(401);
  });

  it('on an idle gateway: every stream at zero, the link down, nothing dead, nothing counted today', async () => {
    const o = await overview();
    expect(o.streams.map((s: { stream: string }) => s.stream)).toEqual([
      fx.names.in, fx.names.out('bulk'), fx.names.out('sim'), fx.names.dlrIn, fx.names.journal, fx.names.dlr('acme'), fx.names.dlr('beta'), fx.names.dead,
    ]);
    expect(row(o, fx.names.in)).toEqual({ stream: fx.names.in, kind: 'in', entriesAdded: 0, length: 0, lag: null, pending: null });
    expect(o.links).toEqual({ up: 0, down: 1, stopped: 0 });
    expect(o.deadLetters).toBe(0);
    expect(o.receiptsIn).toBe(0);
    expect(o.today).toEqual({});
    expect(o.at).toBe(NOW);
  });

  it('counts entries ever added (not lowered by deletions), lag and pending of the reading group', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await ns.redis.xadd(fx.names.in, '*', 'e', '{}'))!);
    await ns.redis.xgroup('CREATE', fx.names.in, 'policy', '0');
    await ns.redis.xreadgroup('GROUP', 'policy', 'c1', 'COUNT', 1, 'STREAMS', fx.names.in, '>');
    expect(row(await overview(), fx.names.in)).toMatchObject({ entriesAdded: 3, length: 3, lag: 2, pending: 1 });
    await ns.redis.xack(fx.names.in, 'policy', ids[0]!);
    await ns.redis.xdel(fx.names.in, ids[0]!);
    // The rate the console computes from entriesAdded must not go backwards when entries are trimmed.
    expect(row(await overview(), fx.names.in)).toMatchObject({ entriesAdded: 3, length: 2, pending: 0 });
  });

  it('counts the receipts the senders wrote, not dlr-in\'s entries (one entry may carry several)', async () => {
    await ns.redis.incrby(receiptsInKey(ns.prefix), 7);
    expect((await overview()).receiptsIn).toBe(7);
  });

  it('links up when a sender reports a session bound, stopped when operators drained it', async () => {
    const control = createLinkControl(ns.redis, ns.prefix);
    await control.report({ instance: 's1', at: Date.now(), links: [{ smsc: 'sim', mode: 'active', sessions: 1, bound: 1, inFlight: 0, lastHeardAt: null }] }, 10_000);
    expect((await overview()).links).toEqual({ up: 1, down: 0, stopped: 0 });
    await control.set('sim', 'draining', 'test');
    expect((await overview()).links).toEqual({ up: 0, down: 0, stopped: 1 });
  });

  it('dead letters and today\'s final states over every client and SMSC', async () => {
    await ns.redis.xadd(fx.names.dead, '*', 'e', '{}');
    const day = statsDay(NOW);
    await fx.store.incrementStats(day, 'acme', 'sim', 'DELIVERED');
    await fx.store.incrementStats(day, 'beta', 'sim', 'DELIVERED');
    await fx.store.incrementStats(day, 'beta', '-', 'EXPIRED');
    await fx.store.incrementStats('2000-01-01', 'acme', 'sim', 'UNDELIVERABLE');
    const o = await overview();
    expect(o.deadLetters).toBe(1);
    expect(o.today).toEqual({ DELIVERED: 2, EXPIRED: 1 });
  });
});
