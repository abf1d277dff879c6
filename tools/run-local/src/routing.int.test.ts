import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestClient, redisNamespace, startSmscSim, type RedisNamespace, type SmscSim, type TestClient } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { freePort, startStack, type Stack } from './stack';

// Weights, failover and a backup through the running gateway: one route over two weighted
// SMSCs with a third as backup, each a simulator of its own.
describe('routing over several SMSCs', () => {
  let ns: RedisNamespace;
  const sims: Record<'a' | 'b' | 'c', SmscSim> = {} as never;
  let stack: Stack;
  let client: TestClient;
  let n = 0;

  beforeAll(async () => {
    ns = await redisNamespace('e2e-routing');
    for (const id of ['a', 'b', 'c'] as const) sims[id] = await startSmscSim({ port: await freePort(), receiptDelayMs: 20 });
    const smsc = (id: 'a' | 'b' | 'c') => ({
      id, host: '127.0.0.1', port: sims[id].port, systemId: 'gw', password: 'gw', sessions: 2, window: 200, reconnectMinMs: 100, reconnectMaxMs: 500,
    });
    stack = await startStack({
      redisUrl: ns.url,
      redisCluster: ns.target.cluster,
      prefix: ns.prefix,
      smsc: { host: '127.0.0.1', port: sims.a.port },
      clients: [{ systemId: 'acme', password: 'pw' }],
      extra: { smscs: [smsc('a'), smsc('b'), smsc('c')], routes: [{ prefix: '', smscs: ['a', { id: 'b', weight: 3 }], backup: ['c'] }] },
      logFile: process.env.E2E_LOG,
    });
    client = await connectTestClient({ host: '127.0.0.1', port: stack.ingressPort, systemId: 'acme', password: 'pw', mode: 'transceiver', window: 100 });
  }, 90_000);

  afterAll(async () => {
    await client?.close();
    await stack?.stop();
    for (const s of Object.values(sims)) await s?.close();
    await ns?.cleanup();
  }, 60_000);

  const push = async (count: number, during?: () => Promise<void>) => {
    const ids: string[] = [];
    let next = 0;
    const first = n;
    n += count;
    const worker = async () => {
      while (next < count) {
        const i = first + next++;
        if (during && i === first + Math.floor(count / 4)) void during();
        const r = await client.submit({
          source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1,
          destination_addr: `4477${String(i).padStart(8, '0')}`, registered_delivery: 1, short_message: encodeGsm7(`r ${i}`)!,
        });
        expect(r.status).toBe(STATUS.ESME_ROK);
        ids.push(r.message_id!);
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    return ids;
  };
  const receiptsFor = async (ids: string[]) => {
    const want = new Set(ids);
    for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      const got = client.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1'))).filter((r) => want.has(r.id!));
      if (new Set(got.map((r) => r.id)).size === want.size) return got;
    }
    throw new Error('receipts did not all come back');
  };
  const counts = () => ({ a: sims.a.submits.length, b: sims.b.submits.length, c: sims.c.submits.length });

  it('splits 4,000 messages 1:3 within 5%, and never uses the backup while a primary is bound', async () => {
    const got = await receiptsFor(await push(4_000));
    expect(got.every((r) => r.stat === 'DELIVRD')).toBe(true);
    const c = counts();
    expect(c.a + c.b).toBe(4_000);
    expect(Math.abs(c.a - 1_000)).toBeLessThanOrEqual(50);
    expect(c.c).toBe(0);
  }, 120_000);

  it('one SMSC killed mid-run: the other takes its traffic, nothing fails, the backup stays idle', async () => {
    const before = counts();
    const first = n;
    const ids = await push(1_000, () => sims.a.close());
    const dests = new Set(Array.from({ length: 1_000 }, (_, i) => `4477${String(first + i).padStart(8, '0')}`));
    const reached = (sim: SmscSim) => new Set(sim.submits.map((x) => x.destination).filter((d) => dests.has(d)));
    for (const end = Date.now() + 30_000; Date.now() < end && new Set([...reached(sims.a), ...reached(sims.b)]).size < 1_000; ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const toA = reached(sims.a);
    const toB = reached(sims.b);
    // Every message reached one of them — the dead one until it died, the other after.
    expect(new Set([...toA, ...toB]).size).toBe(1_000);
    expect(toB.size).toBeGreaterThan(500);
    expect(counts().c).toBe(before.c);
    // Receipts: all of them but those the dead SMSC still held (it would send them once back).
    const byId = new Map<string, string>();
    for (const p of client.receipts) {
      const r = parseReceiptText(p.short_message!.toString('latin1'));
      byId.set(r.id!, r.stat!);
    }
    for (const end = Date.now() + 30_000; Date.now() < end && ids.filter((id) => byId.has(id)).length < toB.size; ) {
      await new Promise((r) => setTimeout(r, 200));
      for (const p of client.receipts) {
        const r = parseReceiptText(p.short_message!.toString('latin1'));
        byId.set(r.id!, r.stat!);
      }
    }
    const mine = ids.filter((id) => byId.has(id));
    expect(mine.length).toBeGreaterThanOrEqual(toB.size);
    expect(mine.every((id) => byId.get(id) === 'DELIVRD')).toBe(true); // none failed
  }, 120_000);

  it('both primaries down: the backup carries the route until a primary is back', async () => {
    await sims.b.close();
    await new Promise((r) => setTimeout(r, 1_000));
    const ids = await push(300);
    const got = await receiptsFor(ids);
    expect(got.every((r) => r.stat === 'DELIVRD')).toBe(true);
    expect(counts().c).toBe(300);
    // b comes back: the route returns to its primary.
    sims.b = await startSmscSim({ port: sims.b.port, receiptDelayMs: 20 });
    await new Promise((r) => setTimeout(r, 2_000));
    await receiptsFor(await push(200));
    expect(sims.b.submits.length).toBe(200);
    expect(counts().c).toBe(300);
  }, 120_000);
});
