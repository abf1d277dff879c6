import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { clientSchema, createAppMetrics, createMetricsRegistry } from '@smsgw/platform';
import { createRedis } from '@smsgw/redis';
import { connectTestClient, redisNamespace, type RedisNamespace, type TestClient } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { bindSetKey, createBindCounter, type BindCounter } from './bind-counter';
import { createBindLockout } from './bind-lockout';
import { createIngressServer } from './ingress-server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bind counter (Redis)', () => {
  let ns: RedisNamespace | undefined;
  const counters: BindCounter[] = [];
  afterEach(async () => {
    for (const c of counters.splice(0)) c.close();
    await ns?.cleanup();
  });
  const counter = (instance: string, o?: Parameters<typeof createBindCounter>[3]) => {
    const c = createBindCounter(ns!.redis, ns!.prefix, instance, o);
    counters.push(c);
    return c;
  };

  it('counts one client\'s binds across instances, per client, and frees a slot on release', async () => {
    ns = await redisNamespace('bind-counter');
    const a = counter('ingress-a');
    const b = counter('ingress-b');
    expect(await a.acquire('acme', 's1', 2)).toBe(true);
    expect(await b.acquire('acme', 's2', 2)).toBe(true);
    expect(await a.acquire('acme', 's3', 2)).toBe(false);
    expect(await b.acquire('acme', 's4', 2)).toBe(false);
    expect(await b.acquire('globex', 's5', 2)).toBe(true); // another client has its own count
    expect(await a.count('acme')).toBe(2);
    await a.release('acme', 's1');
    expect(await b.acquire('acme', 's4', 2)).toBe(true);
    expect(await ns.redis.zrange(bindSetKey(ns.prefix, 'acme'), '0', '-1')).toEqual(expect.arrayContaining(['ingress-b:s2', 'ingress-b:s4']));
  });

  it('keeps a held bind counted while its instance renews it, and frees it once that instance is gone', async () => {
    ns = await redisNamespace('bind-counter');
    const live = counter('ingress-a', { leaseMs: 400, renewMs: 100 });
    const other = counter('ingress-b', { leaseMs: 400, renewMs: 100 });
    expect(await live.acquire('acme', 's1', 1)).toBe(true);
    await sleep(1_000); // well past one lease: renewed meanwhile
    expect(await other.acquire('acme', 's2', 1)).toBe(false);
    // The instance dies without unbinding (kill -9): nothing renews its lease any more.
    live.close();
    let taken = false;
    for (const end = Date.now() + 5_000; !taken && Date.now() < end; await sleep(100)) taken = await other.acquire('acme', 's2', 1);
    expect(taken).toBe(true);
  });

  it('keys a client\'s bind set under its own hash tag', () => {
    expect(bindSetKey('p', 'a:b{c}')).toBe('p:binds:{a%3Ab%7Bc%7D}');
  });
});

describe('maxBinds across two ingress servers', () => {
  let ns: RedisNamespace | undefined;
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    await ns?.cleanup();
  });
  // Generous timers: on a loaded machine a bind that waits for Redis must not meet session_init first.
  const session = { window: 10, sessionInitMs: 10_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 10_000, receiptWindow: 10 };
  const clients = [clientSchema.parse({ systemId: 'acme', password: 'acmepw', maxBinds: 2 })];
  const logger = pino({ level: process.env.DBG ? 'debug' : 'silent' });

  /** An ingress server as main.ts wires it for binds: the lockout and the bind counter in Redis. */
  const startServer = async (instance: string, bindRedisUrl: string) => {
    const bindRedis = createRedis(bindRedisUrl, { commandTimeoutMs: 500 });
    const binds = createBindCounter(bindRedis, ns!.prefix, instance, { logger });
    const server = createIngressServer({
      host: '127.0.0.1', port: 0, clients, session,
      submit: async () => ({ status: STATUS.ESME_RSYSERR }),
      query: async () => ({ status: STATUS.ESME_RQUERYFAIL }),
      receipts: { attach() {}, detach() {} },
      metrics: createAppMetrics(createMetricsRegistry(`bind-test-${instance}`)),
      logger,
      auth: { lockout: createBindLockout(ns!.redis, ns!.prefix, { maxFailures: 5, windowMs: 60_000, lockoutMs: 60_000, maxLockoutMs: 600_000 }), failureDelayMs: 0 },
      binds,
    });
    const port = await server.start();
    closers.push(async () => {
      await server.close();
      binds.close();
      bindRedis.disconnect();
    });
    return port;
  };
  const bind = async (port: number) => {
    const c = await connectTestClient({ host: '127.0.0.1', port, systemId: 'acme', password: 'acmepw' });
    closers.push(() => c.close());
    return c;
  };
  const bindStatus = (port: number) =>
    bind(port).then(
      () => STATUS.ESME_ROK,
      (err: { status?: number }) => err.status,
    );

  it('refuses a third bind on either server with ESME_RBINDFAIL, and takes it once one unbinds', async () => {
    ns = await redisNamespace('bind-counter-srv');
    const p1 = await startServer('ingress-1', ns.url);
    const p2 = await startServer('ingress-2', ns.url);
    const first: TestClient = await bind(p1);
    await bind(p2);
    expect(await bindStatus(p1)).toBe(STATUS.ESME_RBINDFAIL);
    expect(await bindStatus(p2)).toBe(STATUS.ESME_RBINDFAIL);
    await first.close();
    // The slot is released as the session closes (asynchronously): the next bind gets it soon.
    let status: number | undefined;
    for (const end = Date.now() + 5_000; status !== STATUS.ESME_ROK && Date.now() < end; await sleep(50)) status = await bindStatus(p2);
    expect(status).toBe(STATUS.ESME_ROK);
  });

  it('answers ESME_RSYSERR when the count cannot be checked (its Redis is away), and goes on serving', async () => {
    ns = await redisNamespace('bind-counter-srv');
    const port = await startServer('ingress-1', 'redis://127.0.0.1:1');
    expect(await bindStatus(port)).toBe(STATUS.ESME_RSYSERR);
    expect(await bindStatus(port)).toBe(STATUS.ESME_RSYSERR);
  });
});
