import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cluster, type Command, type Redis } from 'ioredis';
import type { InEntry } from '@smsgw/contracts';
import { createPolicyResolver, emptyPolicySettings, type PolicySettings } from '@smsgw/domain';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createDeferredQueue } from '@smsgw/redis';
import { createMcp } from './mcp';
import { policyKeys } from './policy-keys';

let seq = 0;
const entry = (o: { dst?: string; src?: string; text?: string; sys?: string; id?: string } = {}): InEntry => ({
  v: 1, id: o.id ?? `m${++seq}`, sys: o.sys ?? 'acme',
  src: { ton: 5, npi: 0, addr: o.src ?? 'ACME', norm: o.src ?? 'ACME' },
  dst: { ton: 1, npi: 1, addr: o.dst ?? '447700900001', norm: o.dst ?? '447700900001' },
  dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: Buffer.from(o.text ?? `hello ${seq}`).toString('base64'), at: Date.now(),
});

describe('MCP on real Redis', () => {
  let ns: RedisNamespace;
  let now = Date.parse('2026-07-01T12:00:00Z');
  beforeEach(async () => {
    ns = await redisNamespace('mcp');
  });
  afterEach(async () => ns.cleanup());
  const mcp = (s: PolicySettings) => {
    const keys = policyKeys(ns.prefix);
    return { keys, decide: createMcp({ redis: ns.redis, keys, resolve: () => createPolicyResolver(s), now: () => now }) };
  };
  const reasons = async (decide: ReturnType<typeof mcp>['decide'], entries: InEntry[]) =>
    (await decide(entries.map((entry) => ({ entry, pool: 'sim' })))).map((v) => (v.pass ? 'pass' : v.reason));

  it('looks up every list of a batch in one pipeline: prefixes, wildcards, global and per client', async () => {
    const settings: PolicySettings = { ...emptyPolicySettings(), registration: { senders: true, optIn: false } };
    const keys = policyKeys(ns.prefix);
    await ns.redis.sadd(keys.list('senders', 'acme'), 'ACME', 'PROMO*');
    await ns.redis.sadd(keys.list('blacklist'), '4479*');
    await ns.redis.sadd(keys.list('blacklist', 'acme'), '447700900666');
    await ns.redis.sadd(keys.list('blocked-senders'), 'PROMOBAD');
    await ns.redis.sadd(keys.list('optout', 'acme'), '447700900777');
    // The MCP gets a connection of its own whose sendCommand is watched: only this test's
    // commands are seen (a MONITOR on the shared Redis sees every test running beside it). ioredis
    // hands every command of one pipeline (auto-pipelined or not) the same stream object, which
    // writes them to the socket at once: one stream = one round trip.
    const client = ns.redis.duplicate();
    await client.ping(); // connected first: commands queued while connecting would be sent twice
    const writes = new Map<object, string[]>();
    const send = client.sendCommand.bind(client) as (...args: unknown[]) => unknown;
    // (A Cluster client's sendCommand takes the target node as a third argument: passed on.)
    client.sendCommand = ((command: Command, stream?: object, ...rest: unknown[]) => {
      if (String(command.args[0]).startsWith(ns.prefix)) {
        const key = stream ?? {}; // a command sent on its own is a write of its own
        writes.set(key, [...(writes.get(key) ?? []), command.name.toLowerCase()]);
      }
      return send(command, stream, ...rest);
    }) as Redis['sendCommand'];
    const decide = createMcp({ redis: client, keys, resolve: () => createPolicyResolver(settings), now: () => now });
    const got = await reasons(decide, [
      entry(), entry({ src: 'Promo1' }), entry({ src: 'OTHER' }), entry({ dst: '447912345678' }),
      entry({ dst: '447700900666' }), entry({ src: 'PROMOBAD' }), entry({ dst: '447700900777' }),
      entry({ sys: 'beta' }),
    ]);
    // ns.redis is typed Redis but is a Cluster client when the run uses REDIS_CLUSTER.
    const cluster: unknown = client;
    const masters = cluster instanceof Cluster ? cluster.nodes('master').length : 1;
    client.disconnect();
    expect(got).toEqual(['pass', 'pass', 'sender-not-registered', 'destination-blacklisted', 'destination-blacklisted', 'sender-blocked', 'recipient-opted-out', 'sender-not-registered']);
    // 8 messages of 2 clients: one SMISMEMBER per list key — 2 global lists + 4 lists of each
    // client = 10 commands for 40 list checks, written together: one write per server the keys
    // live on (one on a single Redis; at most one per master on a Redis Cluster).
    expect([...writes.values()].flat()).toEqual(Array(10).fill('smismember'));
    expect(writes.size).toBeLessThanOrEqual(masters);
  });

  it('frequency cap: sliding window, keyed by UUID so a redelivery is not counted twice', async () => {
    const { decide } = mcp({ ...emptyPolicySettings(), rules: [{ type: 'frequency-cap', per: 'recipient', max: 2, window: 3_600_000 }] });
    const a = entry({ text: 'a' });
    expect(await reasons(decide, [a, entry({ text: 'b' })])).toEqual(['pass', 'pass']);
    expect(await reasons(decide, [a])).toEqual(['pass']); // the same message again: already counted
    expect(await reasons(decide, [entry({ text: 'c' }), entry({ dst: '447700900002' })])).toEqual(['frequency-cap', 'pass']);
    now += 3_600_001;
    expect(await reasons(decide, [entry({ text: 'd' })])).toEqual(['pass']);
  });

  it('duplicate window: same client + destination + text, never its own duplicate, a rejected copy is not counted', async () => {
    const { decide } = mcp({ ...emptyPolicySettings(), rules: [{ type: 'duplicate-window', window: 600_000 }] });
    const a = entry({ text: 'same' });
    expect(await reasons(decide, [a, entry({ text: 'same' }), entry({ text: 'same', dst: '447700900002' }), entry({ text: 'same', sys: 'beta' })]))
      .toEqual(['pass', 'duplicate-content', 'pass', 'pass']);
    expect(await reasons(decide, [a])).toEqual(['pass']);
    now += 600_001;
    expect(await reasons(decide, [entry({ text: 'same' })])).toEqual(['pass']);
  });

  it('daily quota in the client time zone', async () => {
    const { decide } = mcp({ ...emptyPolicySettings(), authorization: { prefixes: [], pools: [], quota: { day: 2, month: 3, timezone: 'Asia/Tokyo' } } });
    now = Date.parse('2026-07-01T14:00:00Z'); // 23:00 in Tokyo
    expect(await reasons(decide, [entry(), entry(), entry()])).toEqual(['pass', 'pass', 'daily-quota']);
    now = Date.parse('2026-07-01T15:00:00Z'); // the next day in Tokyo
    expect(await reasons(decide, [entry(), entry()])).toEqual(['pass', 'monthly-quota']);
  });

  it('content, segments and quiet hours (defer) through the worker', async () => {
    const { decide } = mcp({
      ...emptyPolicySettings(),
      rules: [
        { type: 'content-deny', pattern: 'casino', flags: 'i', keywords: [] },
        { type: 'max-segments', max: 1 },
        { type: 'quiet-hours', prefixes: ['33'], timezone: 'Europe/Paris', from: '21:00', to: '08:00', action: 'defer' },
      ],
    });
    now = Date.parse('2026-07-01T20:00:00Z'); // 22:00 in Paris
    const v = await decide([entry({ text: 'CASINO' }), entry({ text: 'x'.repeat(161) }), entry({ dst: '33612345678' }), entry()].map((e) => ({ entry: e, pool: 'sim' })));
    expect(v.map((x) => (x.pass ? 'pass' : x.reason))).toEqual(['content-denied', 'too-many-segments', 'quiet-hours', 'pass']);
    expect(v[2]).toMatchObject({ deferUntil: Date.parse('2026-07-02T06:00:00Z') });
  });

  it('the deferred queue releases due entries back to in, once', async () => {
    const q = createDeferredQueue(ns.redis, ns.prefix, `${ns.prefix}:in`);
    const e = entry();
    await q.defer(e, 1_000);
    await q.defer(e, 1_000); // the same entry deferred twice is one member
    await q.defer(entry(), 5_000);
    expect(await q.release(999)).toBe(0);
    expect(await q.release(1_000)).toBe(1);
    expect(await q.size()).toBe(1);
    const xs = (await ns.redis.xrange(`${ns.prefix}:in`, '-', '+')) as [string, string[]][];
    expect(xs.map(([, f]) => JSON.parse(f[1]!).id)).toEqual([e.id]);
  });
});
