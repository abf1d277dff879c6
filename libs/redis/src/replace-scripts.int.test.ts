import { describe, expect, it } from 'vitest';
import { redisNamespace } from '@smsgw/testing';
import { BACKLOG_GRACE_MS, clientBacklogKey, createClientBacklog } from './client-backlog';
import { clientReplacedKey } from './cancel-scripts';
import { pendingKey } from './pending-index';

/** An `in` entry as the backlog sees it: with addresses it is indexed for mass cancel and replace_if_present. */
const entry = (id: string, exp: number, svc?: string, dst = '447700900001') => ({ id, sys: 'acme', at: exp - 60_000, exp, svc, src: { norm: 'ACME' }, dst: { norm: dst } });
const place = (id: string, at: number, svc = '', dst = '447700900001') => ({ key: (p: string) => pendingKey(p, 'acme', 'ACME', dst), member: `${svc}|${at}|${id}` });

describe('replace_sm against the hand-off, and the pending index (real Redis)', () => {
  it('a replacement made before the hand-off: versions add up, fields merge, an older copy is refused and the latest goes', async () => {
    const ns = await redisNamespace('replace-wins');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      const m1 = entry('m1', Date.now() + 60_000);
      await backlog.enqueue(`${ns.prefix}:in`, m1);
      expect(await backlog.replace('acme', 'm1', { sm: 'bmV3', rd: 1, due: 5_000 })).toBe(1);
      expect(await backlog.replace('acme', 'm1', { sm: 'bmV3ZXI=', rd: 0 })).toBe(2);
      const latest = { v: 2, set: { sm: 'bmV3ZXI=', rd: 0, due: 5_000 } };
      expect(await backlog.replacementsOf('acme', ['m1', 'other'])).toEqual(new Map([['m1', latest]]));
      // The copy accepted first (no version) and one of version 1 must not go.
      expect(await backlog.handoff('acme', 'm1')).toEqual({ replaced: latest });
      expect(await backlog.handoff('acme', 'm1', { rv: 1 })).toEqual({ replaced: latest });
      expect(await backlog.has('acme', 'm1')).toBe(true);
      // The copy of the latest version hands off; the replacement goes with the backlog entry and the index member.
      const p = place('m1', m1.at);
      expect(await backlog.handoff('acme', 'm1', { rv: 2, pending: { key: p.key(ns.prefix), member: p.member } })).toBe('go');
      expect(await backlog.has('acme', 'm1')).toBe(false);
      expect(await ns.redis.hlen(clientReplacedKey(ns.prefix, 'acme'))).toBe(0);
      expect(await ns.redis.exists(p.key(ns.prefix))).toBe(0);
      // Handed off: no longer replaceable here; another copy is `gone` (the state store tells whether it went).
      expect(await backlog.replace('acme', 'm1', { sm: 'eA==' })).toBe(0);
      expect(await backlog.handoff('acme', 'm1')).toBe('gone');
    } finally {
      await ns.cleanup();
    }
  });

  it('a cancel takes the replacement along; another client\'s id cannot be replaced', async () => {
    const ns = await redisNamespace('replace-cancel');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      await backlog.enqueue(`${ns.prefix}:in`, entry('m1', Date.now() + 60_000));
      expect(await backlog.replace('globex', 'm1', { sm: 'eA==' })).toBe(0);
      expect(await backlog.replace('acme', 'm1', { sm: 'eA==' })).toBe(1);
      expect(await backlog.cancel('acme', 'm1')).toBe(true);
      expect(await ns.redis.hlen(clientReplacedKey(ns.prefix, 'acme'))).toBe(0);
      expect(await backlog.handoff('acme', 'm1')).toBe('cancelled');
    } finally {
      await ns.cleanup();
    }
  });

  it('50 concurrent replace/handoff pairs: either the replacement is in before the hand-off, or the replace fails', async () => {
    const ns = await redisNamespace('replace-race');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      const exp = Date.now() + 60_000;
      const ids = Array.from({ length: 50 }, (_, i) => `m${i}`);
      await backlog.enqueueAll(`${ns.prefix}:in`, ids.map((id) => entry(id, exp)));
      const results = await Promise.all(
        ids.map(async (id, i) => {
          const [v, h] = i % 2
            ? await Promise.all([backlog.replace('acme', id, { sm: 'eA==' }), backlog.handoff('acme', id)])
            : await Promise.all([backlog.handoff('acme', id), backlog.replace('acme', id, { sm: 'eA==' })]).then(([hh, vv]) => [vv, hh] as const);
          return { replaced: v === 1, h };
        }),
      );
      for (const r of results) {
        // A replace that won makes the old copy's hand-off hand back the replacement; one that lost finds the message gone.
        if (r.replaced) expect(r.h).toEqual({ replaced: { v: 1, set: { sm: 'eA==' } } });
        else expect(r.h).toBe('go');
      }
      const won = results.filter((r) => r.replaced).length;
      expect(await ns.redis.zcard(clientBacklogKey(ns.prefix, 'acme'))).toBe(won);
    } finally {
      await ns.cleanup();
    }
  });

  it('indexes accepted messages by client, source and destination; removal and expiry keep it to what is pending', async () => {
    const ns = await redisNamespace('pending-index');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      const now = Date.now();
      await backlog.enqueue(`${ns.prefix}:in`, entry('late', now + 120_000, 'OTP'));
      await backlog.enqueue(`${ns.prefix}:in`, entry('early', now + 60_000));
      await backlog.enqueueAll(`${ns.prefix}:in`, [entry('other', now + 60_000, undefined, '447700900002')]);
      // The latest accepted first (not the latest to expire); a service_type may hold the separator.
      await backlog.enqueue(`${ns.prefix}:in`, { ...entry('newest', now + 30_000, 'a|b'), at: now + 1 });
      expect(await backlog.pending('acme', 'ACME', '447700900001')).toEqual([
        { id: 'late', svc: 'OTP', at: now + 60_000, exp: now + 120_000 },
        { id: 'newest', svc: 'a|b', at: now + 1, exp: now + 30_000 },
        { id: 'early', svc: '', at: now, exp: now + 60_000 },
      ]);
      // The key outlives its last message by the backlog's grace, and never expires sooner because of a shorter-lived one.
      const key = pendingKey(ns.prefix, 'acme', 'ACME', '447700900001');
      expect(Number(await ns.redis.call('PEXPIRETIME', key))).toBe(now + 120_000 + BACKLOG_GRACE_MS);
      // A message that ended before its hand-off leaves the index with its backlog entry.
      await backlog.remove([entry('late', now + 120_000, 'OTP')]);
      expect((await backlog.pending('acme', 'ACME', '447700900001')).map((p) => p.id)).toEqual(['newest', 'early']);
      // Given without addresses (the sender's uncounting after a hand-off) it only leaves the backlog.
      await backlog.remove([{ id: 'other', sys: 'acme' }]);
      expect((await backlog.pending('acme', 'ACME', '447700900002')).map((p) => p.id)).toEqual(['other']);
    } finally {
      await ns.cleanup();
    }
  });

  it('the sweep drops replacements whose message left the backlog without them', async () => {
    const ns = await redisNamespace('replace-sweep');
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    try {
      await backlog.enqueue(`${ns.prefix}:in`, entry('kept', Date.now() + 60_000));
      await backlog.enqueue(`${ns.prefix}:in`, entry('lost', Date.now() + 60_000));
      await backlog.replace('acme', 'kept', { rd: 0 });
      await backlog.replace('acme', 'lost', { rd: 0 });
      await ns.redis.zrem(clientBacklogKey(ns.prefix, 'acme'), 'lost'); // its end's removal ran without the replacement's
      await backlog.sweep(['acme']);
      expect(await ns.redis.hkeys(clientReplacedKey(ns.prefix, 'acme'))).toEqual(['kept']);
    } finally {
      await ns.cleanup();
    }
  });
});
