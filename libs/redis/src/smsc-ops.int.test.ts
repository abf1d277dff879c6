import { afterEach, describe, expect, it } from 'vitest';
import { redisNamespace, type RedisNamespace } from '@smsgw/testing';
import { createSmscOpsClient, createSmscOpsServer, SmscOpTimeoutError, smscOpsKeys, type SmscOp, type SmscOpsServerOptions } from './smsc-ops';

const cancel = (msgId: string, smsc = 'a'): SmscOp => ({ op: 'cancel', smsc, msgId, src: 'ACME', dst: '447700900123', smscIds: ['00000001'], serviceType: '' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SMSC operations: request/reply between ingress and senders through Redis', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const namespace = async () => {
    const ns = await redisNamespace('smsc-ops');
    cleanups.push(ns.cleanup);
    return ns;
  };
  const client = (ns: RedisNamespace, timeoutMs?: number) => {
    const c = createSmscOpsClient({ redis: ns.redis, prefix: ns.prefix, timeoutMs });
    cleanups.push(() => c.close());
    return c;
  };
  /** A sender that serves `serving()` and records what it was asked. */
  const server = (ns: RedisNamespace, name: string, serving: () => string[], serve?: SmscOpsServerOptions['serve']) => {
    const served: string[] = [];
    const s = createSmscOpsServer({
      redis: ns.redis, prefix: ns.prefix, serving, blockMs: 100,
      serve: async (op, ctx) => {
        served.push(op.msgId);
        return serve ? serve(op, ctx) : { status: 0, reason: `${name}:${op.msgId}` };
      },
    });
    s.start();
    cleanups.push(() => s.close());
    return { served, close: () => s.close() };
  };

  it('hands each request to exactly one of two senders and brings its answer back to the requester', async () => {
    const ns = await namespace();
    const one = server(ns, 'one', () => ['a']);
    const two = server(ns, 'two', () => ['a']);
    const c = client(ns);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => c.request(cancel(`m${i}`))));
    // Each answer is its own request's, from whichever sender took it.
    replies.forEach((r, i) => expect(r).toEqual({ status: 0, reason: expect.stringMatching(new RegExp(`^(one|two):m${i}$`)) }));
    const all = [...one.served, ...two.served].sort();
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
    expect(await ns.redis.llen(smscOpsKeys(ns.prefix).queue('a'))).toBe(0);
  });

  it('takes the requests of every SMSC a sender serves (one BRPOP over their lists)', async () => {
    const ns = await namespace();
    const s = server(ns, 'multi', () => ['a', 'b', 'c']);
    const c = client(ns);
    const replies = await Promise.all(['a', 'b', 'c', 'b'].map((smsc, i) => c.request(cancel(`m${i}`, smsc))));
    expect(replies.map((r) => r.reason)).toEqual(['multi:m0', 'multi:m1', 'multi:m2', 'multi:m3']);
    expect(s.served.sort()).toEqual(['m0', 'm1', 'm2', 'm3']);
  });

  it('fails clearly when no sender answers in time, and goes to a sender only for an SMSC it serves', async () => {
    const ns = await namespace();
    const other = server(ns, 'b-only', () => ['b']);
    const c = client(ns, 400);
    await expect(c.request(cancel('m1'))).rejects.toThrow(SmscOpTimeoutError);
    await expect(c.request(cancel('m2'))).rejects.toThrow(/no sender with a bound session to a answered within 400 ms/);
    expect(other.served).toEqual([]);
  });

  it('drops a request past its deadline: a sender that comes later does not carry it out', async () => {
    const ns = await namespace();
    const c = client(ns, 300);
    await expect(c.request(cancel('late'))).rejects.toThrow(SmscOpTimeoutError);
    expect(await ns.redis.llen(smscOpsKeys(ns.prefix).queue('a'))).toBe(1);
    const s = server(ns, 'late', () => ['a']);
    while ((await ns.redis.llen(smscOpsKeys(ns.prefix).queue('a'))) > 0) await sleep(20);
    await sleep(100);
    expect(s.served).toEqual([]);
    // The list has a TTL: requests nobody takes do not pile up for good.
    const c2 = client(ns, 300);
    await expect(c2.request(cancel('late2', 'z'))).rejects.toThrow(SmscOpTimeoutError);
    expect(await ns.redis.pttl(smscOpsKeys(ns.prefix).queue('z'))).toBeGreaterThan(0);
  });

  it('serves a request waiting in the list once the SMSC is bound at a sender, before its deadline', async () => {
    const ns = await namespace();
    let bound: string[] = [];
    const s = server(ns, 'late-bind', () => bound);
    const c = client(ns, 3_000);
    const reply = c.request(cancel('m1'));
    await sleep(300);
    expect(s.served).toEqual([]);
    bound = ['a'];
    expect(await reply).toEqual({ status: 0, reason: 'late-bind:m1' });
  });

  it('keeps prefixes apart: a sender of another gateway never takes the request', async () => {
    const [ns, other] = [await namespace(), await namespace()];
    const foreign = server(other, 'foreign', () => ['a']);
    const c = client(ns, 400);
    await expect(c.request(cancel('m1'))).rejects.toThrow(SmscOpTimeoutError);
    expect(foreign.served).toEqual([]);
    const own = server(ns, 'own', () => ['a']);
    expect(await client(ns).request(cancel('m2'))).toEqual({ status: 0, reason: 'own:m2' });
    expect(own.served).toContain('m2');
    expect(foreign.served).toEqual([]);
  });

  it('skips a malformed request and serves the next', async () => {
    const ns = await namespace();
    await ns.redis.lpush(smscOpsKeys(ns.prefix).queue('a'), '{"v":1,"id":"x"}', 'not json');
    const s = server(ns, 'one', () => ['a']);
    expect(await client(ns).request(cancel('m1'))).toEqual({ status: 0, reason: 'one:m1' });
    expect(s.served).toEqual(['m1']);
  });

  it('on close, tells the operations in hand to stop and still answers them', async () => {
    const ns = await namespace();
    let started!: () => void;
    const inHand = new Promise<void>((r) => (started = r));
    const s = server(ns, 'closing', () => ['a'], async (_op, { signal }) => {
      started();
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      return { status: 0x11, reason: 'sender stopping' };
    });
    const reply = client(ns, 10_000).request(cancel('m1'));
    await inHand;
    await s.close();
    expect(await reply).toEqual({ status: 0x11, reason: 'sender stopping' });
  });
});
