import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { dlrInFailureSchema, streamNames, type OutEntry } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry, smscSchema } from '@smsgw/platform';
import { createClientBacklog, type StreamEntry } from '@smsgw/redis';
import { createRedisStateStore } from '@smsgw/store';
import { redisNamespace, startSmscSim, type SmscSim } from '@smsgw/testing';
import { encodeGsm7 } from '@smsgw/sms-text';
import { createMessageSender, senderLeaseKey } from './message-sender';
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

describe('sender: cancel_sm and replace_sm against the hand-off (real Redis, SMSC simulator over TCP)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A sender whose one link points at `port`; the simulator there may come later. */
  async function setup(port: number, leaseMs?: number) {
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
      redis: ns.redis, store, names, prefix: ns.prefix, links: new Map([['sim', link]]), limiters: new Map(), backlog, leaseMs,
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
    /** Entries the sender wrote back to `in` (the ones `routed` counted there carry no `v`). */
    const inStream = async () => ((await ns.redis.xrange(names.in, '-', '+')) as [string, string[]][]).map(([, f]) => JSON.parse(f[1]!) as OutEntry).filter((m) => m.v === 1);
    return { ns, link, store, backlog, handler, routed, failures, inStream };
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
    while (!(await ns.redis.exists(senderLeaseKey(ns.prefix, 'acme', 'm1')))) await new Promise((r) => setTimeout(r, 10));
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

  it('a message replaced while it waits for its SMSC: the old copy never goes, the replaced one goes back to `in` (lease let go, still counted), then is sent', async () => {
    const probe = await startSmscSim({ port: 0 });
    const port = probe.port;
    await probe.close();
    const { ns, link, store, backlog, handler, routed, failures, inStream } = await setup(port);
    const e = await routed('r1');
    const done = handler([e]);
    while (!(await ns.redis.exists(senderLeaseKey(ns.prefix, 'acme', 'r1')))) await new Promise((r) => setTimeout(r, 10));
    const newText = encodeGsm7('replaced text')!.toString('base64');
    expect(await backlog.replace('acme', 'r1', { sm: newText, rd: 0 })).toBe(1);
    const sim = await startSim(port);
    expect(await link.waitBound(5_000)).toBe(true);
    expect(await done).toEqual({ ack: [e.id], requeue: [] });
    expect(sim.stats.submits).toBe(0);
    expect(await failures()).toEqual([]);
    const [again] = await inStream();
    expect(again).toMatchObject({ id: 'r1', rv: 1, sm: newText, rd: 0 });
    expect(again).not.toHaveProperty('pool');
    expect(await ns.redis.exists(senderLeaseKey(ns.prefix, 'acme', 'r1'))).toBe(0);
    expect(await backlog.has('acme', 'r1')).toBe(true);
    // Routed again by the policy-worker: the copy of version 1 is submitted, with the new text.
    const routedAgain = entry({ ...outEntry('r1'), ...again, pool: 'sim', smscs: ['sim'], rt: Date.now() });
    expect((await handler([routedAgain])).ack).toEqual([routedAgain.id]);
    expect(sim.submits.map((x) => x.text)).toEqual(['replaced text']);
    expect(await backlog.has('acme', 'r1')).toBe(false);
    expect((await store.get('r1'))?.state).toBe('SUBMITTED');
    // A redelivered old copy is recognised as sent: nothing more.
    expect((await handler([entry(outEntry('r1'), 2)])).ack).toHaveLength(1);
    expect(sim.stats.submits).toBe(1);
  });

  it('a replaced part of a client-concatenated group is changed in place and keeps its place in the group', async () => {
    const sim = await startSim();
    const { handler, routed, backlog, link, inStream } = await setup(sim.port);
    expect(await link.waitBound(5_000)).toBe(true);
    await routed('g1');
    await routed('g2');
    expect(await backlog.replace('acme', 'g2', { sm: encodeGsm7('second, replaced')!.toString('base64') })).toBe(1);
    const group = { id: `${Date.now()}-g`, data: { k: 'group', pool: 'sim', parts: [outEntry('g1', 'first'), outEntry('g2', 'second')] }, deliveries: 1, size: 0 };
    expect((await handler([group])).ack).toEqual([group.id]);
    expect(sim.submits.map((x) => x.text)).toEqual(['first', 'second, replaced']);
    expect(await inStream()).toEqual([]);
  });

  it('a message routed twice (a policy-worker redelivery): the second copy, met after the first one\'s lease ended, finds it sent and does not send it again', async () => {
    const sim = await startSim();
    const { handler, routed, link, store } = await setup(sim.port, 200);
    expect(await link.waitBound(5_000)).toBe(true);
    const first = await routed('twice');
    expect((await handler([first])).ack).toEqual([first.id]);
    await new Promise((r) => setTimeout(r, 300)); // the first copy's lease is over
    // A fresh entry of the same message, routed again just now: nothing marks it as a redelivery.
    const second = entry({ ...outEntry('twice'), rt: Date.now() });
    expect((await handler([second])).ack).toEqual([second.id]);
    expect(sim.stats.submits).toBe(1);
    expect((await store.get('twice'))?.state).toBe('SUBMITTED');
  });
});
