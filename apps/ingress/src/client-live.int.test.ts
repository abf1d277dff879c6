import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { clientSchema } from '@smsgw/platform';
import { createBindReports, createClientControl, createClientRegistry } from '@smsgw/redis';
import { connectTestClient, redisNamespace } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { startTestIngress } from './test-ingress';
import { startClientLive } from './client-live';

const silent = pino({ level: 'silent' });
const session = { window: 10, sessionInitMs: 2_000, enquireLinkMs: 0, inactivityMs: 0, responseTimeoutMs: 2_000, receiptWindow: 10 };
const fileClients = [clientSchema.parse({ systemId: 'acme', password: 'acmepw' })];

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An ingress following the registry of a fresh namespace, as main.ts wires it (poll 50 ms). */
async function start() {
  const ns = await redisNamespace('ingress-client-live');
  cleanups.push(() => ns.cleanup());
  const registry = createClientRegistry({ redis: ns.redis, prefix: ns.prefix, fileClients, pollMs: 50, logger: silent });
  await registry.start();
  cleanups.push(() => registry.stop());
  const ing = await startTestIngress({ redisUrl: ns.url, prefix: ns.prefix, clients: fileClients, live: registry, session });
  cleanups.push(() => ing.close());
  const reports = createBindReports(ns.redis, ns.prefix);
  const live = startClientLive({ registry, bound: ing.server.bound, reports, instance: 'ingress-t', logger: silent, reportEveryMs: 100 });
  cleanups.push(() => live.close());
  const control = createClientControl(ns.redis, ns.prefix);
  const bind = async (systemId: string, password: string) => {
    const c = await connectTestClient({ host: '127.0.0.1', port: ing.port, systemId, password, mode: 'transceiver' });
    cleanups.push(() => c.close());
    return c;
  };
  const bindStatus = (systemId: string, password: string) =>
    bind(systemId, password).then(
      async (c) => (await c.close(), STATUS.ESME_ROK),
      (err: { status?: number }) => err.status,
    );
  return { ns, ing, control, reports, bind, bindStatus };
}

describe('ingress following the run-time client registry', () => {
  it('a client added at run time binds; its binds are reported; a new password refuses the old one and keeps open sessions', async () => {
    const { control, reports, bind, bindStatus } = await start();
    expect(await bindStatus('rt1', 'pw1')).toBe(STATUS.ESME_RBINDFAIL);
    await control.put({ systemId: 'rt1', password: 'pw1' });
    await expect.poll(() => bindStatus('rt1', 'pw1'), { timeout: 2_000, interval: 50 }).toBe(STATUS.ESME_ROK);

    const c = await bind('rt1', 'pw1');
    await c.submit({ source_addr: 'RT', destination_addr: '447700900001', short_message: Buffer.from('hi') });
    await expect
      .poll(async () => (await reports.reports()).flatMap((r) => r.binds).find((b) => b.session && b.systemId === 'rt1' && b.submits === 1), { timeout: 2_000, interval: 50 })
      .toMatchObject({ mode: 'transceiver', address: expect.stringContaining('127.0.0.1') });

    await control.put({ systemId: 'rt1', password: 'pw2' });
    await expect.poll(() => bindStatus('rt1', 'pw2'), { timeout: 2_000, interval: 50 }).toBe(STATUS.ESME_ROK);
    // The old password was remembered (bind cache) and is forgotten with the change.
    expect(await bindStatus('rt1', 'pw1')).toBe(STATUS.ESME_RBINDFAIL);
    expect(c.session.closed).toBe(false);
    expect((await c.submit({ source_addr: 'RT', destination_addr: '447700900002', short_message: Buffer.from('hi') })).status).toBe(STATUS.ESME_ROK);
  });

  it('suspend unbinds and refuses until resume; disconnect unbinds once; removal unbinds and refuses', async () => {
    const { ing, control, bind, bindStatus } = await start();
    await control.put({ systemId: 'rt2', password: 'pw' });
    await expect.poll(() => bindStatus('rt2', 'pw'), { timeout: 2_000, interval: 50 }).toBe(STATUS.ESME_ROK);

    // A config client can be suspended too.
    const acme = await bind('acme', 'acmepw');
    await control.suspend('acme', 'ops');
    await expect.poll(() => acme.session.closed, { timeout: 2_000, interval: 20 }).toBe(true);
    expect(await bindStatus('acme', 'acmepw')).toBe(STATUS.ESME_RBINDFAIL);
    await control.resume('acme');
    await expect.poll(() => bindStatus('acme', 'acmepw'), { timeout: 2_000, interval: 50 }).toBe(STATUS.ESME_ROK);

    const a = await bind('rt2', 'pw');
    const other = await bind('acme', 'acmepw');
    await control.disconnect('rt2');
    await expect.poll(() => a.session.closed, { timeout: 2_000, interval: 20 }).toBe(true);
    expect(other.session.closed).toBe(false);
    // Once: it binds again and stays bound.
    const again = await bind('rt2', 'pw');
    await new Promise((r) => setTimeout(r, 300));
    expect(again.session.closed).toBe(false);

    await control.remove('rt2');
    await expect.poll(() => again.session.closed, { timeout: 2_000, interval: 20 }).toBe(true);
    expect(await bindStatus('rt2', 'pw')).toBe(STATUS.ESME_RBINDFAIL);
    expect(ing.server.bound.list().map((b) => b.systemId)).toEqual(['acme']);
  });
});
