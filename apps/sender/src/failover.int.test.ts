import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { streamNames, type OutEntry } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry, smscSchema } from '@smsgw/platform';
import type { StreamEntry } from '@smsgw/redis';
import { createRedisStateStore } from '@smsgw/store';
import { redisNamespace, startSmscSim, type SmscSim } from '@smsgw/testing';
import { encodeGsm7 } from '@smsgw/sms-text';
import { createMessageSender } from './message-sender';
import { createSmscLink, type SmscLink } from './smsc-link';

const logger = pino({ level: 'silent' });

// Routes with several SMSCs, through real SMPP sessions to simulators: weights, failover when a
// link dies mid-run, and a backup used only while the primary is down.
describe('sender failover (real Redis, SMSC simulators over TCP)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(ids: string[]) {
    const ns = await redisNamespace('failover');
    const sims = new Map<string, SmscSim>();
    const links = new Map<string, SmscLink>();
    for (const id of ids) {
      const sim = await startSmscSim({ port: 0, receipts: false });
      const smsc = smscSchema.parse({ id, host: '127.0.0.1', port: sim.port, systemId: 'gw', password: 'gw', window: 50, enquireLinkMs: 0, reconnectMinMs: 50, reconnectMaxMs: 200 });
      const link = createSmscLink({ smsc, logger, onDeliver: async () => 0 });
      link.start();
      sims.set(id, sim);
      links.set(id, link);
      cleanups.push(() => link.stop(), () => sim.close());
      expect(await link.waitBound(5_000)).toBe(true);
    }
    cleanups.push(ns.cleanup);
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const names = streamNames(ns.prefix);
    const handler = createMessageSender({
      redis: ns.redis, store, names, prefix: ns.prefix, links, limiters: new Map(),
      metrics: createAppMetrics(createMetricsRegistry('failover-test')), logger,
    });
    let n = 0;
    const entries = async (count: number, route: Pick<OutEntry, 'smscs' | 'weights' | 'backup'>): Promise<StreamEntry[]> =>
      Promise.all(
        Array.from({ length: count }, async () => {
          const i = n++;
          const id = `f${i}`;
          await store.createMessage({ id, sys: 'acme', src: 'ACME', dst: `4477${String(i).padStart(8, '0')}`, rd: 1, state: 'ROUTED', at: Date.now() });
          const data: OutEntry = {
            v: 1, id, sys: 'acme',
            src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
            dst: { ton: 1, npi: 1, addr: `4477${String(i).padStart(8, '0')}`, norm: `4477${String(i).padStart(8, '0')}` },
            dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: encodeGsm7(`m ${i}`)!.toString('base64'), at: Date.now(), pool: 'p', rt: Date.now(), ...route,
          };
          return { id: `${i + 1}-0`, data, deliveries: 1, size: 0 };
        }),
      );
    return { ns, sims, links, store, names, handler, entries };
  }

  const sent = (sim: SmscSim) => sim.submits.length;

  it('splits a route by weight within 5% over 10,000 messages', async () => {
    const { sims, handler, entries } = await setup(['a', 'b']);
    for (let i = 0; i < 10_000; i += 500) await handler(await entries(500, { smscs: ['a', 'b'], weights: [1, 3] }));
    expect(sent(sims.get('a')!) + sent(sims.get('b')!)).toBe(10_000);
    expect(Math.abs(sent(sims.get('a')!) - 2_500)).toBeLessThanOrEqual(125);
    expect(Math.abs(sent(sims.get('b')!) - 7_500)).toBeLessThanOrEqual(375);
  }, 120_000);

  it('moves to the other SMSC when one dies mid-run: every message submitted, none failed', async () => {
    const { ns, sims, store, names, handler, entries } = await setup(['a', 'b']);
    const batch = await entries(600, { smscs: ['a', 'b'] });
    const run = handler(batch);
    setTimeout(() => void sims.get('a')!.close(), 30);
    const res = await run;
    expect(res.ack).toHaveLength(600);
    expect(await ns.redis.xlen(names.dlrIn)).toBe(0); // nothing failed
    const states = await Promise.all(batch.map((e) => store.get((e.data as OutEntry).id)));
    expect(states.every((r) => r?.state === 'SUBMITTED')).toBe(true);
    const reached = new Set([...sims.values()].flatMap((s) => s.submits.map((x) => x.destination)));
    expect(reached.size).toBe(600);
    expect(sent(sims.get('b')!)).toBeGreaterThan(0);
  }, 60_000);

  it('uses the backup only while the primary is down', async () => {
    const { sims, links, handler, entries } = await setup(['p', 'x']);
    const route = { smscs: ['p'], backup: ['x'] };
    await handler(await entries(50, route));
    expect([sent(sims.get('p')!), sent(sims.get('x')!)]).toEqual([50, 0]);
    const port = sims.get('p')!.port;
    await sims.get('p')!.close();
    for (const end = Date.now() + 5_000; links.get('p')!.boundCount > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    await handler(await entries(50, route));
    expect(sent(sims.get('x')!)).toBe(50);
    const back = await startSmscSim({ port, receipts: false });
    cleanups.push(() => back.close());
    expect(await links.get('p')!.waitBound(5_000)).toBe(true);
    await handler(await entries(50, route));
    expect([back.submits.length, sent(sims.get('x')!)]).toEqual([50, 50]);
  }, 60_000);
});
