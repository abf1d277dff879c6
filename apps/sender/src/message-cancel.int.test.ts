import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { dlrInFailureSchema, streamNames, type OutEntry } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry, smscSchema } from '@smsgw/platform';
import { createClientBacklog, type StreamEntry } from '@smsgw/redis';
import { createRedisStateStore } from '@smsgw/store';
import { redisNamespace, startSmscSim, type SmscSim } from '@smsgw/testing';
import { encodeGsm7 } from '@smsgw/sms-text';
import { createMessageSender } from './message-sender';
import { createSmscLink } from './smsc-link';

const logger = pino({ level: 'silent' });

const outEntry = (id: string, text = 'hello'): OutEntry => ({
  v: 1, id, sys: 'acme',
  src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
  dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' },
  dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: encodeGsm7(text)!.toString('base64'), at: Date.now(), exp: Date.now() + 3_600_000,
  pool: 'sim', smscs: ['sim'], rt: Date.now(),
});
const entry = (data: OutEntry, deliveries = 1): StreamEntry => ({ id: `${Date.now()}-${Math.random()}`, data, deliveries, size: 0 });

describe('sender: cancel_sm against the hand-off (real Redis, SMSC simulator over TCP)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A sender whose one link points at `port`; the simulator there may come later. */
  async function setup(port: number) {
    const ns = await redisNamespace('sender-cancel');
    const smsc = smscSchema.parse({
      id: 'sim', host: '127.0.0.1', port, systemId: 'gw', password: 'gw', sessions: 1, window: 10,
      enquireLinkMs: 0, responseTimeoutMs: 2_000, reconnectMinMs: 50, reconnectMaxMs: 200,
    });
    const link = createSmscLink({ smsc, logger, onDeliver: async () => 0 });
    link.start();
    const store = createRedisStateStore({ redis: ns.redis, prefix: ns.prefix });
    const names = streamNames(ns.prefix);
    const backlog = createClientBacklog(ns.redis, ns.prefix);
    const handler = createMessageSender({
      redis: ns.redis, store, names, prefix: ns.prefix, links: new Map([['sim', link]]), limiters: new Map(), backlog,
      metrics: createAppMetrics(createMetricsRegistry('sender-cancel')), logger,
    });
    cleanups.push(ns.cleanup, () => link.stop());
    /** A message as the policy-worker leaves it: counted in the backlog, record ROUTED. */
    const routed = async (id: string) => {
      await backlog.enqueue(`${ns.prefix}:in`, { id, sys: 'acme', at: Date.now(), exp: Date.now() + 3_600_000 });
      await store.createMessage({ id, sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ROUTED', at: Date.now() });
      return entry(outEntry(id));
    };
    const failures = async () =>
      ((await ns.redis.xrange(names.dlrIn, '-', '+')) as [string, string[]][]).map(([, f]) => dlrInFailureSchema.parse(JSON.parse(f[1]!)));
    return { ns, link, store, backlog, handler, routed, failures };
  }

  const startSim = async (port = 0) => {
    const sim: SmscSim = await startSmscSim({ port, receipts: false });
    cleanups.push(() => sim.close());
    return sim;
  };

  it('a message cancelled while it waits for its SMSC is never submitted once the SMSC is back, and ends with a DELETED failure', async () => {
    // A free port with nothing on it yet: the link is down.
    const probe = await startSmscSim({ port: 0 });
    const port = probe.port;
    await probe.close();
    const { ns, link, backlog, handler, routed, failures } = await setup(port);
    const e = await routed('m1');
    const done = handler([e]);
    // The handler claimed it and waits for a bound session: it has not handed it off (the id is
    // still in the backlog), so the client's cancel wins.
    while (!(await ns.redis.exists(`${ns.prefix}:lease:{m1}`))) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200));
    expect(await backlog.has('acme', 'm1')).toBe(true);
    expect(await backlog.cancel('acme', 'm1')).toBe(true);
    const sim = await startSim(port);
    expect(await link.waitBound(5_000)).toBe(true);
    expect(await done).toEqual({ ack: [e.id], requeue: [] });
    expect(sim.stats.submits).toBe(0);
    expect(await failures()).toEqual([
      expect.objectContaining({ id: 'm1', sys: 'acme', state: 'DELETED', err: 0, reason: 'cancelled by the client (cancel_sm)', dst: { ton: 1, npi: 1, addr: '447700900123' } }),
    ]);
    // A redelivered copy meets the cancel again: still nothing submitted.
    expect((await handler([entry(outEntry('m1'), 2)])).ack).toHaveLength(1);
    expect(sim.stats.submits).toBe(0);
  });

  it('a message the ingress ended already (record DELETED) is dropped without a second failure', async () => {
    const sim = await startSim();
    const { store, backlog, handler, routed, failures, link } = await setup(sim.port);
    expect(await link.waitBound(5_000)).toBe(true);
    const e = await routed('m2');
    expect(await backlog.cancel('acme', 'm2')).toBe(true);
    await store.transition('m2', 'DELETED', { at: Date.now() });
    expect((await handler([e])).ack).toEqual([e.id]);
    expect(sim.stats.submits).toBe(0);
    expect(await failures()).toEqual([]);
  });

  it('a message whose hand-off won is sent, and a later cancel fails', async () => {
    const sim = await startSim();
    const { store, backlog, handler, routed, failures, link } = await setup(sim.port);
    expect(await link.waitBound(5_000)).toBe(true);
    const e = await routed('m3');
    expect((await handler([e])).ack).toEqual([e.id]);
    expect(sim.stats.submits).toBe(1);
    expect(await backlog.cancel('acme', 'm3')).toBe(false);
    expect((await store.get('m3'))?.state).toBe('SUBMITTED');
    expect(await failures()).toEqual([]);
  });
});
