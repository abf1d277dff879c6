import { describe, expect, it } from 'vitest';
import { connectTestClient, startSmscSim, type TestClient } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { useStack } from './use-stack';

const submitAll = async (c: TestClient, prefix: string, n: number) =>
  Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const r = await c.submit({
        source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1,
        destination_addr: `${prefix}${String(i).padStart(4, '0')}`, registered_delivery: 1, short_message: encodeGsm7(`n ${i}`)!,
      });
      expect(r.status).toBe(STATUS.ESME_ROK);
      return r.message_id!;
    }),
  );
const receipts = (c: TestClient) => c.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')));

// An SMSC that goes away for longer than several reclaim cycles, and a sender stopped while
// messages wait for it: waiting is not failing.
describe('SMSC outage', () => {
  const env = useStack('e2e-outage', {
    sim: { receiptDelayMs: 20 },
    stack: () => ({
      clients: [{ systemId: 'acme', password: 'pw' }],
      smscExtra: { reconnectMinMs: 100, reconnectMaxMs: 500 },
      // Reclaim cycles of 1.5 s and at most 3 deliveries: without holding, an outage of 8 s would dead-letter everything.
      extra: { streams: { claimIdleMs: 1_500, maxDeliveries: 3 } },
    }),
  });
  const bind = () => connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'pw', mode: 'transceiver', window: 50 });

  it('messages sent while the SMSC is down for several reclaim cycles are delivered once it is back (temporary errors then retried), none failed', async () => {
    const port = env.sim.port;
    await env.sim.close();
    const c = await bind();
    const ids = await submitAll(c, '4477001', 300);
    await new Promise((r) => setTimeout(r, 8_000)); // five reclaim cycles
    expect(c.receipts).toHaveLength(0);
    // Back, and answering a third of the submits with ESME_RSUBMITFAIL (temporary by default).
    env.sim = await startSmscSim({ port, receiptDelayMs: 20, errorRate: 0.3 });
    await c.waitForReceipts(300, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    const got = receipts(c);
    expect(got.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(got.every((r) => r.stat === 'DELIVRD')).toBe(true);
    expect(env.sim.stats.errors).toBeGreaterThan(0);
    // Each message reached the SMSC exactly once (accepted once; refused attempts do not count).
    const accepted = new Map<string, number>();
    for (const s of env.sim.submits) accepted.set(s.destination, (accepted.get(s.destination) ?? 0) + 1);
    expect(accepted.size).toBe(300);
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
    await c.close();
  }, 120_000);

  it('a sender stopped while messages wait for the SMSC exits in time, gives them back, and they go out later', async () => {
    const port = env.sim.port;
    await env.sim.close();
    const c = await bind();
    const ids = await submitAll(c, '4477002', 50);
    await new Promise((r) => setTimeout(r, 2_000)); // the sender holds them, waiting
    const t0 = Date.now();
    await env.stack.procs.get('sender')!.stop(10_000);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(c.receipts).toHaveLength(0); // nothing failed for it
    env.sim = await startSmscSim({ port, receiptDelayMs: 20 });
    await env.stack.startApp('sender');
    await c.waitForReceipts(50, 30_000);
    const got = receipts(c);
    expect(got.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(got.every((r) => r.stat === 'DELIVRD')).toBe(true);
    await c.close();
  }, 120_000);
});

// A status the SMSC table calls permanent ends the message UNDELIVERABLE with that status.
describe('SMSC error table', () => {
  const env = useStack('e2e-errors', {
    sim: { receiptDelayMs: 20, errorRate: 0.4, errorStatus: 0x0b },
    stack: () => ({
      clients: [{ systemId: 'acme', password: 'pw' }],
      smscExtra: { errors: { permanent: [0x0b] } },
    }),
  });

  it('ends refused messages UNDELIVERABLE with the SMSC status in the receipt, and sends them once', async () => {
    const c = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'pw', mode: 'transceiver' });
    const ids = await submitAll(c, '4477003', 100);
    await c.waitForReceipts(100, 30_000);
    const got = receipts(c);
    expect(got.map((r) => r.id).sort()).toEqual([...ids].sort());
    const undeliv = got.filter((r) => r.stat === 'UNDELIV');
    expect(undeliv.length).toBe(env.sim.stats.errors);
    expect(undeliv.length).toBeGreaterThan(10);
    expect(undeliv.every((r) => r.err === '011')).toBe(true); // ESME_RINVDSTADR, 0x0b
    expect(got.filter((r) => r.stat === 'DELIVRD').length).toBe(100 - undeliv.length);
    expect(env.sim.stats.submits).toBe(100); // a permanent error is never retried
    await c.close();
  }, 60_000);
});

// While an SMSC is down its messages pile up in their pool's stream; past ingress.maxBacklog the
// gateway answers ESME_RMSGQFUL instead of letting Redis grow.
describe('backlog bound while the SMSC is down', () => {
  const env = useStack('e2e-backlog', {
    sim: { receiptDelayMs: 20 },
    stack: () => ({
      clients: [{ systemId: 'acme', password: 'pw' }],
      smscExtra: { reconnectMinMs: 100, reconnectMaxMs: 500 },
      extra: { ingress: { maxBacklog: 100 }, streams: { batchSize: 20 } },
    }),
  });

  it('refuses submits with ESME_RMSGQFUL once the pool holds maxBacklog messages, and delivers every one it took', async () => {
    const port = env.sim.port;
    await env.sim.close();
    const c = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'pw', mode: 'transceiver', window: 10 });
    const acked: string[] = [];
    let full = 0;
    for (let i = 0; i < 400; i++) {
      const r = await c.submit({
        source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1,
        destination_addr: `4477004${String(i).padStart(5, '0')}`, registered_delivery: 1, short_message: encodeGsm7(`b ${i}`)!,
      });
      if (r.status === STATUS.ESME_ROK) acked.push(r.message_id!);
      else if (r.status === STATUS.ESME_RMSGQFUL) full++;
      if (i % 20 === 19) await new Promise((res) => setTimeout(res, 100)); // let the bound be seen
    }
    expect(full).toBeGreaterThan(0);
    expect(acked.length).toBeLessThan(250); // the bound (100) plus what came in before the monitor saw it
    env.sim = await startSmscSim({ port, receiptDelayMs: 20 });
    await c.waitForReceipts(acked.length, 30_000);
    const got = receipts(c);
    expect(got.map((r) => r.id).sort()).toEqual([...acked].sort());
    expect(got.every((r) => r.stat === 'DELIVRD')).toBe(true);
    await c.close();
  }, 90_000);
});
