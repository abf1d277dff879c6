import { describe, expect, it, vi } from 'vitest';
import { redisNamespace } from '@smsgw/testing';
import { clientBacklogKey, createClientBacklog } from './client-backlog';
import { clientCancelledKey } from './cancel-scripts';

const entry = (id: string, sys: string, exp: number) => ({ id, sys, at: exp - 60_000, exp });

describe('cancel_sm against the hand-off to an SMSC (real Redis)', () => {
  it('a cancel that wins moves the id to `cancelled` with its expiry; the handoff then says cancelled, a second cancel fails', async () => {
    const ns = await redisNamespace('cancel-wins');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      const exp = Date.now() + 60_000;
      await backlog.enqueue(`${ns.prefix}:in`, entry('m1', 'acme', exp));
      expect(await backlog.cancel('acme', 'm1')).toBe(true);
      expect(await backlog.has('acme', 'm1')).toBe(false);
      expect(Number(await ns.redis.zscore(clientCancelledKey(ns.prefix, 'acme'), 'm1'))).toBe(exp);
      expect(await backlog.handoff('acme', 'm1')).toBe('cancelled');
      // A redelivered copy meets the cancel again: the id stays until the sweep.
      expect(await backlog.handoff('acme', 'm1')).toBe('cancelled');
      expect(await backlog.cancel('acme', 'm1')).toBe(false);
      expect(await backlog.isCancelled('acme', 'm1')).toBe(true);
    } finally {
      await ns.cleanup();
    }
  });

  it('a handoff that wins makes the cancel fail; ids of no backlog (handed off, swept, another client\'s) are `gone` and cannot be cancelled', async () => {
    const ns = await redisNamespace('cancel-handoff-wins');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      await backlog.enqueue(`${ns.prefix}:in`, entry('m1', 'acme', Date.now() + 60_000));
      expect(await backlog.handoff('acme', 'm1')).toBe('go');
      expect(await backlog.has('acme', 'm1')).toBe(false);
      expect(await backlog.cancel('acme', 'm1')).toBe(false);
      expect(await backlog.isCancelled('acme', 'm1')).toBe(false);
      // Another copy after the handoff: neither set has it, the state store decides.
      expect(await backlog.handoff('acme', 'm1')).toBe('gone');
      // Another client cannot cancel acme's message: its own backlog does not hold it.
      await backlog.enqueue(`${ns.prefix}:in`, entry('m2', 'acme', Date.now() + 60_000));
      expect(await backlog.cancel('globex', 'm2')).toBe(false);
      expect(await backlog.has('acme', 'm2')).toBe(true);
      expect(await backlog.cancel('acme', 'unknown')).toBe(false);
    } finally {
      await ns.cleanup();
    }
  });

  it('hand-offs of one client in the same tick share one script call, each answered as if alone', async () => {
    const ns = await redisNamespace('handoff-batch');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      const exp = Date.now() + 60_000;
      const at = exp - 60_000;
      const indexed = (id: string) => ({ id, sys: 'acme', at, exp, src: { norm: 'ACME' }, dst: { norm: '447700900001' } });
      await backlog.enqueueAll(`${ns.prefix}:in`, [indexed('go'), entry('cancelled', 'acme', exp), entry('replaced', 'acme', exp), entry('other', 'globex', exp)]);
      expect(await backlog.cancel('acme', 'cancelled')).toBe(true);
      expect(await backlog.replace('acme', 'replaced', { sm: 'bmV3' })).toBe(1);
      const script = vi.spyOn(ns.redis as unknown as { smsgwHandoff: (...a: unknown[]) => Promise<unknown> }, 'smsgwHandoff');
      const results = await Promise.all([
        backlog.handoff('acme', 'go', { pending: backlog.pendingPlace(indexed('go')) }),
        backlog.handoff('acme', 'cancelled'),
        backlog.handoff('acme', 'replaced', { rv: 0 }),
        backlog.handoff('acme', 'never-counted'),
        backlog.handoff('globex', 'other'),
      ]);
      expect(results[0]).toBe('go');
      expect(results[1]).toBe('cancelled');
      expect(results[2]).toMatchObject({ replaced: { v: 1 } });
      expect(results[3]).toBe('gone');
      expect(results[4]).toBe('go');
      // The indexed message left the pending index with its hand-off.
      expect(await backlog.pending('acme', 'ACME', '447700900001')).toEqual([]);
      expect(await backlog.has('acme', 'go')).toBe(false);
      expect(await backlog.has('acme', 'replaced')).toBe(true);
      // One script call per client, not one per message.
      // (ioredis' auto-pipelining re-enters the command's method: count distinct calls.)
      const calls = [...new Set(script.mock.calls.map((c) => JSON.stringify(c)))].map((c) => JSON.parse(c) as unknown[]);
      expect(calls.map((c) => c[0])).toEqual([7, 4]);
    } finally {
      await ns.cleanup();
    }
  });

  it('4,500 messages of one client counted in one call (past the script\'s 4,000-argument chunks) and handed off in one tick: each counted once, handed off once', async () => {
    const ns = await redisNamespace('handoff-many');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      const exp = Date.now() + 60_000;
      const ids = Array.from({ length: 4_500 }, (_, i) => `m${i}`);
      const src = { norm: 'ACME' };
      await backlog.enqueueAll(`${ns.prefix}:in`, ids.map((id, i) => ({ id, sys: 'acme', at: exp - 60_000 + i, exp, src, dst: { norm: `4477009${String(i % 3).padStart(5, '0')}` } })));
      expect(await backlog.counts(['acme'])).toEqual(new Map([['acme', 4_500]]));
      expect(await backlog.pending('acme', 'ACME', '447700900002')).toHaveLength(1_500);
      expect(await backlog.cancel('acme', 'm7')).toBe(true);
      const place = (id: string, i: number) => backlog.pendingPlace({ id, sys: 'acme', at: exp - 60_000 + i, src, dst: { norm: `4477009${String(i % 3).padStart(5, '0')}` } });
      const results = await Promise.all([...ids.map((id, i) => backlog.handoff('acme', id, { pending: place(id, i) })), backlog.handoff('acme', 'm42')]);
      expect(results[7]).toBe('cancelled');
      expect(results[42]).toBe('go');
      // The second copy of m42 (in a later call of the tick): handed off already.
      expect(results[4_500]).toBe('gone');
      expect(results.filter((r) => r === 'go')).toHaveLength(4_499);
      expect(await backlog.counts(['acme'])).toEqual(new Map([['acme', 0]]));
      // What is left of the pending index is the cancelled message's member.
      const left = (await Promise.all(['447700900000', '447700900001', '447700900002'].map((d) => backlog.pending('acme', 'ACME', d)))).flat();
      expect(left.map((p) => p.id)).toEqual(['m7']);
    } finally {
      await ns.cleanup();
    }
  });

  it('an id twice in one hand-off call goes once: the second copy is gone, or cancelled when a cancel won', async () => {
    const ns = await redisNamespace('handoff-twice');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      const exp = Date.now() + 60_000;
      await backlog.enqueueAll(`${ns.prefix}:in`, [entry('a', 'acme', exp), entry('b', 'acme', exp)]);
      expect(await backlog.cancel('acme', 'b')).toBe(true);
      const script = vi.spyOn(ns.redis as unknown as { smsgwHandoff: (...a: unknown[]) => Promise<unknown> }, 'smsgwHandoff');
      const results = await Promise.all([backlog.handoff('acme', 'a'), backlog.handoff('acme', 'b'), backlog.handoff('acme', 'a'), backlog.handoff('acme', 'b')]);
      expect(results).toEqual(['go', 'cancelled', 'gone', 'cancelled']);
      expect(script).toHaveBeenCalledTimes(1);
    } finally {
      await ns.cleanup();
    }
  });

  it('50 concurrent cancel/handoff pairs: exactly one of each pair wins', async () => {
    const ns = await redisNamespace('cancel-race');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      const exp = Date.now() + 60_000;
      const ids = Array.from({ length: 50 }, (_, i) => `m${i}`);
      await backlog.enqueueAll(`${ns.prefix}:in`, ids.map((id) => entry(id, 'acme', exp)));
      // Half the pairs send the handoff first, half the cancel: both orders race on the wire.
      const results = await Promise.all(
        ids.map(async (id, i) => {
          const [c, h] = i % 2
            ? await Promise.all([backlog.cancel('acme', id), backlog.handoff('acme', id)])
            : await Promise.all([backlog.handoff('acme', id), backlog.cancel('acme', id)]).then(([hh, cc]) => [cc, hh] as const);
          return { cancelled: c, handedOff: h === 'go' };
        }),
      );
      for (const r of results) expect(r.cancelled).not.toBe(r.handedOff);
      const cancelled = results.filter((r) => r.cancelled).length;
      expect(await ns.redis.zcard(clientCancelledKey(ns.prefix, 'acme'))).toBe(cancelled);
      expect(await ns.redis.zcard(clientBacklogKey(ns.prefix, 'acme'))).toBe(0);
      expect(await backlog.cancelledOf('acme', ids)).toEqual(new Set(ids.filter((_, i) => results[i]!.cancelled)));
    } finally {
      await ns.cleanup();
    }
  });

  it('finds the cancelled ids of a batch in one lookup; the sweep drops them past their expiry plus the grace', async () => {
    const ns = await redisNamespace('cancel-sweep');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      const now = Date.now();
      await backlog.enqueue(`${ns.prefix}:in`, entry('old', 'acme', now - 20_000));
      await backlog.enqueue(`${ns.prefix}:in`, entry('live', 'acme', now + 60_000));
      await backlog.enqueue(`${ns.prefix}:in`, entry('kept', 'acme', now + 60_000));
      expect(await backlog.cancel('acme', 'old')).toBe(true);
      expect(await backlog.cancel('acme', 'live')).toBe(true);
      expect(await backlog.cancelledOf('acme', ['old', 'live', 'kept', 'nope'])).toEqual(new Set(['old', 'live']));
      expect(await backlog.cancelledOf('acme', [])).toEqual(new Set());
      expect(await backlog.sweep(['acme'], now, 10_000)).toBe(1);
      expect(await ns.redis.zrange(clientCancelledKey(ns.prefix, 'acme'), '0', '-1')).toEqual(['live']);
      expect(await backlog.has('acme', 'kept')).toBe(true);
    } finally {
      await ns.cleanup();
    }
  });
});
