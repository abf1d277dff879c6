import { describe, expect, it } from 'vitest';
import { connectTestClient, type TestClient } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { STACK_ADMIN_TOKENS } from './stack';
import { useStack } from './use-stack';

/** The brief of issue #13: a client added at run time binds on every ingress within a second. */
const PROPAGATION_MS = 1_000;

// Clients changed through the admin API while the gateway runs, with two ingress instances: a
// new client binds on both within a second of the PUT, submits and gets its receipt; a new
// password refuses the old one; suspend unbinds and refuses, resume lets it bind, DELETE unbinds.
describe('clients at run time, on every ingress', () => {
  const env = useStack('e2e-clients', {
    sim: { receiptDelayMs: 20 },
    stack: () => ({
      admin: true,
      instances: { ingress: 2 },
      clients: [{ systemId: 'acme', password: 'acmepw' }],
      // Refusals answered at once and never locked out: the test binds in a loop until it may.
      extra: { ingress: { auth: { failureDelayMs: 0, maxFailures: 10_000 } } },
    }),
  });

  const admin = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${env.stack.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${STACK_ADMIN_TOKENS.admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const bind = (port: number, password: string, systemId = 'rt1') => connectTestClient({ host: '127.0.0.1', port, systemId, password, mode: 'transceiver' });
  const bindStatus = (port: number, password: string) =>
    bind(port, password).then(
      async (c) => (await c.close(), STATUS.ESME_ROK),
      (err: { status?: number }) => err.status,
    );
  /** Binds until one is accepted; every refused attempt's start (ms after `from`) is kept. */
  const bindWhenAllowed = async (port: number, password: string, from: number) => {
    const refusedAt: number[] = [];
    for (;;) {
      const start = Date.now();
      try {
        return { client: await bind(port, password), refusedAt };
      } catch (err) {
        if ((err as { status?: number }).status !== STATUS.ESME_RBINDFAIL) throw err;
        refusedAt.push(start - from);
        if (start - from > 10_000) throw new Error(`still refused ${start - from} ms after the PUT`);
      }
    }
  };
  const everyIngress = <T>(f: (port: number) => Promise<T>) => Promise.all(env.stack.ingressPorts.map(f));

  it('a client PUT through the admin API binds on every ingress within a second, submits and gets its receipt', async () => {
    expect(env.stack.ingressPorts).toHaveLength(2);
    expect(await everyIngress((p) => bindStatus(p, 'rtpw'))).toEqual([STATUS.ESME_RBINDFAIL, STATUS.ESME_RBINDFAIL]);
    await admin('PUT', '/v1/clients/rt1', { password: 'rtpw', maxBinds: 4 });
    const putReturned = Date.now();
    const bound = await everyIngress((p) => bindWhenAllowed(p, 'rtpw', putReturned));
    // No bind that began later than a second after the PUT was refused: by then every ingress
    // had the client (an accepted bind takes its own scrypt time on top, not counted).
    for (const b of bound) expect(Math.max(0, ...b.refusedAt)).toBeLessThan(PROPAGATION_MS);

    const [c1, c2] = bound.map((b) => b.client) as [TestClient, TestClient];
    const r = await c1.submit({ source_addr_ton: 5, source_addr: 'RT', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900777', registered_delivery: 1, short_message: encodeGsm7('run-time client')! });
    expect(r.status).toBe(STATUS.ESME_ROK);
    // The receipt goes to one of the client's transceiver binds, on either ingress.
    await expect.poll(() => c1.receipts.length + c2.receipts.length, { timeout: 30_000, interval: 100 }).toBe(1);
    const receipt = [...c1.receipts, ...c2.receipts][0]!;
    expect(parseReceiptText(receipt.short_message!.toString('latin1'))).toMatchObject({ id: r.message_id, stat: 'DELIVRD' });

    // The admin API sees both binds, one per ingress.
    await expect
      .poll(async () => ((await admin('GET', '/v1/clients/rt1')).binds as Array<{ instance: string }>).map((b) => b.instance).sort(), { timeout: 5_000, interval: 200 })
      .toEqual(['ingress-1', 'ingress-2']);
    await c1.close();
    await c2.close();
  });

  it('a new password refuses the old one; suspend unbinds and refuses, resume lets it bind; DELETE unbinds it', async () => {
    await admin('PUT', '/v1/clients/rt1', { password: 'newpw', maxBinds: 4 });
    await expect.poll(() => everyIngress((p) => bindStatus(p, 'newpw')), { timeout: 5_000, interval: 100 }).toEqual([STATUS.ESME_ROK, STATUS.ESME_ROK]);
    expect(await everyIngress((p) => bindStatus(p, 'rtpw'))).toEqual([STATUS.ESME_RBINDFAIL, STATUS.ESME_RBINDFAIL]);

    const open = await everyIngress((p) => bind(p, 'newpw'));
    await admin('POST', '/v1/clients/rt1/suspend');
    await expect.poll(() => open.map((c) => c.session.closed), { timeout: 5_000, interval: 50 }).toEqual([true, true]);
    expect(await everyIngress((p) => bindStatus(p, 'newpw'))).toEqual([STATUS.ESME_RBINDFAIL, STATUS.ESME_RBINDFAIL]);
    await admin('POST', '/v1/clients/rt1/resume');
    await expect.poll(() => everyIngress((p) => bindStatus(p, 'newpw')), { timeout: 5_000, interval: 100 }).toEqual([STATUS.ESME_ROK, STATUS.ESME_ROK]);

    const again = await everyIngress((p) => bind(p, 'newpw'));
    // acme, a config client, is left alone by all of it.
    const acme = await bind(env.stack.ingressPort, 'acmepw', 'acme');
    expect((await admin('DELETE', '/v1/clients/rt1')).restored).toBe(false);
    await expect.poll(() => again.map((c) => c.session.closed), { timeout: 5_000, interval: 50 }).toEqual([true, true]);
    expect(await everyIngress((p) => bindStatus(p, 'newpw'))).toEqual([STATUS.ESME_RBINDFAIL, STATUS.ESME_RBINDFAIL]);
    expect(acme.session.closed).toBe(false);
    await acme.close();
  });
});
