import { describe, expect, it } from 'vitest';
import type { OutEntry } from '@smsgw/contracts';
import { redisNamespace } from '@smsgw/testing';
import { createConcatGroups } from './concat-groups';

const part = (id: string, seq: number): OutEntry => ({
  v: 1, id, sys: 'acme',
  src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
  dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' },
  dc: 0, esm: 0x40, rd: 1, pid: 0, pri: 0, sm: Buffer.from([5, 0, 3, 7, 3, seq]).toString('base64'), at: 1,
  pool: 'uk', smscs: ['uk'], rt: 1,
});

describe('client-concatenated parts (real Redis)', () => {
  it('holds parts until the last one comes, then hands the group over once, in part order', async () => {
    const ns = await redisNamespace('concat');
    try {
      const g = createConcatGroups(ns.redis, ns.prefix, 60_000);
      const info = (seq: number) => ({ ref: 7, total: 3, seq });
      expect(await g.add(part('c', 3), info(3))).toBeNull();
      expect(await g.add(part('a', 1), info(1))).toBeNull();
      expect(await g.add(part('a', 1), info(1))).toBeNull(); // a redelivered part counts once
      const group = await g.add(part('b', 2), info(2));
      expect(group?.map((p) => p.id)).toEqual(['a', 'b', 'c']);
      expect(await g.due(['acme'], Date.now() + 120_000)).toEqual([]); // nothing left behind
    } finally {
      await ns.cleanup();
    }
  });

  it('sends an incomplete group on as it is once the timeout passed, and only once', async () => {
    const ns = await redisNamespace('concat-due');
    try {
      const g = createConcatGroups(ns.redis, ns.prefix, 1_000);
      const t = Date.now();
      await g.add(part('x2', 2), { ref: 9, total: 3, seq: 2 }, t);
      await g.add(part('x1', 1), { ref: 9, total: 3, seq: 1 }, t);
      expect(await g.due(['acme'], t + 500)).toEqual([]);
      const due = await g.due(['acme', 'globex'], t + 1_500);
      expect(due.map((grp) => grp.map((p) => p.id))).toEqual([['x1', 'x2']]);
      expect(await g.due(['acme'], t + 5_000)).toEqual([]);
    } finally {
      await ns.cleanup();
    }
  });
});
