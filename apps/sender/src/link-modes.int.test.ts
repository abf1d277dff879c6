import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { streamNames, type OutEntry } from '@smsgw/contracts';
import { createAppMetrics, createMetricsRegistry, smscSchema } from '@smsgw/platform';
import { createLinkControl, createRateLimiter, rateLimitKey, type StreamEntry } from '@smsgw/redis';
import { createRedisStateStore } from '@smsgw/store';
import { redisNamespace, startSmscSim, type SmscSimOptions } from '@smsgw/testing';
import { encodeGsm7 } from '@smsgw/sms-text';
import { createMessageSender } from './message-sender';
import { createSmscLink } from './smsc-link';
import { startLinkModes } from './link-modes';

const logger = pino({ level: 'silent' });
const outEntry = (id: string): OutEntry => ({
  v: 1, id, sys: 'acme',
  src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' },
  dst: { ton: 1, npi: 1, addr: '447700900123', norm: '447700900123' },
  dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: encodeGsm7(`text ${id}`)!.toString('base64'), at: Date.now(), exp: Date.now() + 3_600_000,
  pool: 'sim', smscs: ['sim'], rt: Date.now(),
});
const entry = (id: string): StreamEntry => ({ id: `${Date.now()}-${id}`, data: outEntry(id), deliveries: 1, size: 0 });

describe('sender: links suspended, drained and resumed by operators (real Redis, SMSC simulator over TCP)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(sim: SmscSimOptions = {}) {
    const ns = await redisNamespace('sender-link-modes');
    const smscSim = await startSmscSim({ receipts: false, ...sim });
    const smsc = smscSchema.parse({
      id: 'sim', host: '127.0.0.1', port: smscSim.port, systemId: 'gw', password: 'gw', sessions: 2, window: 10,
      enquireLinkMs: 0, responseTimeoutMs: 5_000, reconnectMinMs: 50, reconnectMaxMs: 200,
    });
    const link = createSmscLink({ smsc, logger, onDeliver: async () => 0 });
    link.start();
    const control = createLinkControl(ns.redis, ns.prefix);
    const links = new Map([['sim', link]]);
    const limiters = new Map([['sim', createRateLimiter(ns.redis, rateLimitKey(ns.prefix, 'link:sim'), { rate: 400 })]]);
    const modes = startLinkModes({ control, links, sessions: new Map([['sim', 2]]), instance: 'sender-1', logger, pollMs: 100, reportMs: 100, limiters });
    const handler = createMessageSender({
      redis: ns.redis, store: createRedisStateStore({ redis: ns.redis, prefix: ns.prefix }), names: streamNames(ns.prefix), prefix: ns.prefix,
      links, limiters, metrics: createAppMetrics(createMetricsRegistry('sender-link-modes')), logger,
    });
    cleanups.push(ns.cleanup, () => smscSim.close(), () => link.stop(), modes.close);
    await modes.ready;
    await expect.poll(() => link.sessionsBound, { timeout: 5_000 }).toBe(2);
    /** Waits until the sender obeys (the settings are read every 100 ms here, every 500 ms by default). */
    const set = async (mode: 'active' | 'suspended' | 'draining') => {
      await control.set('sim', mode, 'ops-test');
      await expect.poll(() => link.mode, { timeout: 2_000 }).toBe(mode);
    };
    return { sim: smscSim, link, control, handler, set };
  }

  it('reports the link limiter\'s effective rate and the rate the SMSC answers submits at', async () => {
    const { sim, control, handler } = await setup();
    await expect.poll(async () => (await control.reports())[0]?.links[0], { timeout: 2_000 }).toMatchObject({ effectiveRate: 400, sendRate: 0 });
    // Batches of messages for about a second: some report interval sees them answered.
    const rates: number[] = [];
    for (let b = 0; b < 10; b++) {
      await handler(Array.from({ length: 20 }, (_, i) => entry(`r${b}-${i}`)));
      rates.push((await control.reports())[0]?.links[0]?.sendRate ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(sim.stats.submits).toBe(200);
    expect(Math.max(...rates)).toBeGreaterThan(0);
  });

  it('suspended: nothing new is submitted, sessions stay bound; resumed, the waiting message goes once', async () => {
    const { sim, link, control, handler, set } = await setup();
    await set('suspended');
    expect(link.boundCount).toBe(0);
    expect(link.sessionsBound).toBe(2);
    const done = handler([entry('s1')]);
    await new Promise((r) => setTimeout(r, 500));
    expect(sim.stats.submits).toBe(0);
    // The report shows it suspended with both sessions bound.
    await expect.poll(async () => (await control.reports())[0]?.links[0], { timeout: 2_000 }).toMatchObject({ smsc: 'sim', mode: 'suspended', sessions: 2, bound: 2 });
    await set('active');
    expect((await done).ack).toHaveLength(1);
    expect(sim.submits.map((s) => s.text)).toEqual(['text s1']);
  });

  it('draining: what is in flight is answered, then the sessions unbind and stay down; resumed, they bind again and the waiting message goes', async () => {
    const { sim, link, handler, set } = await setup({ respondDelayMs: 400 });
    // Two submits in flight, answered 400 ms after they went.
    const inFlight = handler([entry('d1'), entry('d2')]);
    await expect.poll(() => link.inFlight, { timeout: 2_000 }).toBe(2);
    await set('draining');
    expect(link.sessionsBound).toBe(2); // not before what is in flight is answered
    expect((await inFlight).ack).toHaveLength(2);
    await expect.poll(() => link.sessionsBound, { timeout: 2_000 }).toBe(0);
    const binds = sim.stats.binds;
    const waiting = handler([entry('d3')]);
    await new Promise((r) => setTimeout(r, 700)); // several reconnect delays: a drained link does not come back by itself
    expect(link.sessionsBound).toBe(0);
    expect(sim.stats.binds).toBe(binds);
    expect(sim.stats.submits).toBe(2);
    await set('active');
    expect((await waiting).ack).toHaveLength(1);
    expect(sim.submits.map((s) => s.text).sort()).toEqual(['text d1', 'text d2', 'text d3']);
    await expect.poll(() => link.sessionsBound, { timeout: 2_000 }).toBe(2);
  });
});
