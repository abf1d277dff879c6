import { describe, expect, it } from 'vitest';
import { createLinkControl } from '@smsgw/redis';
import { connectTestClient, type TestClient } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { useStack } from './use-stack';

const N = 600;

// An operator drains the SMSC link while messages flow: from the moment every sender obeyed,
// nothing more reaches the SMSC; what was accepted waits, and after resume each message goes
// exactly once, with its receipt.
describe('links drained and resumed under load', () => {
  const env = useStack('e2e-links', {
    sim: { receiptDelayMs: 20 },
    stack: () => ({ clients: [{ systemId: 'acme', password: 'pw' }], smscExtra: { reconnectMinMs: 100, reconnectMaxMs: 500 } }),
  });

  const submitOne = async (c: TestClient, i: number) => {
    const r = await c.submit({
      source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1,
      destination_addr: `4477002${String(i).padStart(5, '0')}`, registered_delivery: 1, short_message: encodeGsm7(`n ${i}`)!,
    });
    expect(r.status).toBe(STATUS.ESME_ROK);
    return r.message_id!;
  };

  it('drain under load sends nothing more on the link and loses nothing; resume delivers every message once', async () => {
    const c = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'pw', mode: 'transceiver', window: 20 });
    const control = createLinkControl(env.ns.redis, env.ns.prefix);
    const ids: string[] = [];
    // Submits keep coming throughout (the window keeps 20 in flight).
    const flow = (async () => {
      for (let i = 0; i < N; i++) ids.push(await submitOne(c, i));
    })();
    await expect.poll(() => env.sim.stats.accepted, { timeout: 30_000 }).toBeGreaterThan(100);
    await control.set('sim', 'draining', 'e2e');
    // Every sender reports the link drained: its sessions unbound after what was in flight was answered.
    await expect
      .poll(async () => (await control.reports()).every((r) => r.links.every((l) => l.mode === 'draining' && l.bound === 0)) && (await control.reports()).length > 0, { timeout: 5_000 })
      .toBe(true);
    const atDrain = env.sim.stats.submits;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(env.sim.stats.submits).toBe(atDrain);
    expect(atDrain).toBeLessThan(N);
    await control.set('sim', 'active', 'e2e');
    await flow;
    await c.waitForReceipts(N, 90_000);
    const got = c.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')));
    expect(got.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(got.every((r) => r.stat === 'DELIVRD')).toBe(true);
    const accepted = new Map<string, number>();
    for (const s of env.sim.submits) accepted.set(s.destination, (accepted.get(s.destination) ?? 0) + 1);
    expect(accepted.size).toBe(N);
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
    await c.close();
  }, 150_000);
});
