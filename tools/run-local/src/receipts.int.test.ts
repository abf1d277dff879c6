import { describe, expect, it } from 'vitest';
import { connectTestClient } from '@smsgw/testing';
import { STATUS, TLV, type Pdu } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { useStack } from './use-stack';

// Receipts through the running gateway (five processes, simulator, Redis): who gets which
// receipt, per-part and aggregated multipart policies, offline clients, query_sm.
describe('receipts through the running gateway', () => {
  const env = useStack('e2e-receipts', {
    sim: { receiptDelayMs: 300 },
    stack: () => ({
      clients: [
        { systemId: 'acme', password: 'pw' },
        { systemId: 'globex', password: 'pw', receipts: { multipart: 'per-part' } },
        { systemId: 'initech', password: 'pw' },
        { systemId: 'slowco', password: 'pw', maxSubmitRate: 50 },
      ],
    }),
  });

  const bind = (systemId: string, mode: 'transceiver' | 'transmitter' | 'receiver' = 'transceiver') =>
    connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId, password: 'pw', mode });
  const submit = async (c: Awaited<ReturnType<typeof bind>>, destination: string, text: string) => {
    const bytes = encodeGsm7(text)!;
    const long = bytes.length > 254; // longer texts travel in message_payload (§5.3.2.32)
    const r = await c.submit({
      source_addr_ton: 5, source_addr: 'TEST', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: destination, registered_delivery: 1,
      short_message: long ? Buffer.alloc(0) : bytes, tlvs: long ? [{ tag: TLV.message_payload, value: bytes }] : [],
    });
    expect(r.status).toBe(STATUS.ESME_ROK);
    return r.message_id!;
  };
  const receiptIds = (pdus: Pdu[]) => pdus.map((p) => parseReceiptText(p.short_message!.toString('latin1')).id!);

  it('two clients sending to the same destinations each get exactly their own receipts', async () => {
    const [a, g] = await Promise.all([bind('acme'), bind('globex')]);
    const dests = Array.from({ length: 20 }, (_, i) => `4477001${String(i).padStart(5, '0')}`);
    const aIds = await Promise.all(dests.map((d) => submit(a, d, 'from acme')));
    const gIds = await Promise.all(dests.map((d) => submit(g, d, 'from globex')));
    await Promise.all([a.waitForReceipts(20, 20_000), g.waitForReceipts(20, 20_000)]);
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
    expect(receiptIds(a.receipts).sort()).toEqual([...aIds].sort());
    expect(receiptIds(g.receipts).sort()).toEqual([...gIds].sort());
    await Promise.all([a.close(), g.close()]);
  }, 60_000);

  it('a 3-part message: one aggregated receipt for acme, one receipt per part for globex (per-part policy)', async () => {
    const text = 'Long message. '.repeat(30).slice(0, 400); // 400 GSM septets = 3 parts
    const [a, g] = await Promise.all([bind('acme'), bind('globex')]);
    const aId = await submit(a, '447700200001', text);
    const gId = await submit(g, '447700200002', text);
    await a.waitForReceipts(1, 20_000);
    await g.waitForReceipts(3, 20_000);
    await new Promise((r) => setTimeout(r, 800));
    expect(receiptIds(a.receipts)).toEqual([aId]);
    expect(receiptIds(g.receipts)).toEqual([gId, gId, gId]);
    expect(g.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')).stat)).toEqual(['DELIVRD', 'DELIVRD', 'DELIVRD']);
    expect(env.sim.messages().filter((m) => m.destination.endsWith('200001') || m.destination.endsWith('200002')).map((m) => m.parts)).toEqual([3, 3]);
    await Promise.all([a.close(), g.close()]);
  }, 60_000);

  it('a client that unbinds before its receipts and binds again 10 s later gets all of them', async () => {
    const tx = await bind('initech', 'transmitter');
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => submit(tx, `44770030000${i}`, `offline ${i}`)));
    await tx.close();
    await new Promise((r) => setTimeout(r, 10_000));
    const rx = await bind('initech', 'receiver');
    await rx.waitForReceipts(10, 20_000);
    expect(receiptIds(rx.receipts).sort()).toEqual([...ids].sort());
    await rx.close();
  }, 60_000);

  it('query_sm answers for the client\'s own messages and ESME_RQUERYFAIL for another client\'s', async () => {
    const [a, g] = await Promise.all([bind('acme'), bind('globex')]);
    const id = await submit(a, '447700400001', 'query me');
    await a.waitForReceipts(1, 20_000);
    const own = await a.session.request({ command: 'query_sm', message_id: id, source_addr_ton: 5, source_addr: 'TEST' });
    expect(own).toMatchObject({ status: 0, message_id: id, message_state: 2 });
    expect(own.final_date).toMatch(/^\d{12}000\+$/);
    const foreign = await g.session.request({ command: 'query_sm', message_id: id, source_addr_ton: 5, source_addr: 'TEST' });
    expect(foreign.status).toBe(STATUS.ESME_RQUERYFAIL);
    await Promise.all([a.close(), g.close()]);
  }, 60_000);

  it('a client configured at 50 msg/s submitting 500 msg/s gets ESME_RTHROTTLED for the excess; every ROK is delivered', async () => {
    const c = await bind('slowco');
    const statuses: number[] = [];
    const ok: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 1_000; i++) {
      // 500 per second: 10 every 20 ms.
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, Math.max(0, t0 + (i / 10) * 20 - Date.now())));
      void c.submit({
        source_addr_ton: 5, source_addr: 'SLOW', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: `4477005${String(i).padStart(5, '0')}`,
        registered_delivery: 1, short_message: encodeGsm7(`rate ${i}`)!,
      }).then((r) => {
        statuses.push(r.status);
        if (r.status === STATUS.ESME_ROK) ok.push(r.message_id!);
      });
    }
    while (statuses.length < 1_000) await new Promise((r) => setTimeout(r, 20));
    const seconds = (Date.now() - t0) / 1000;
    const throttled = statuses.filter((s) => s === STATUS.ESME_RTHROTTLED).length;
    expect(ok.length + throttled).toBe(1_000); // nothing else
    expect(ok.length).toBeLessThanOrEqual(50 * seconds * 1.05 + 5 + 10);
    expect(ok.length).toBeGreaterThanOrEqual(50 * (seconds - 1) * 0.8);
    await c.waitForReceipts(ok.length, 30_000);
    expect(receiptIds(c.receipts).sort()).toEqual([...ok].sort());
    await c.close();
  }, 60_000);
});

describe('an SMSC that answers ids in decimal, reports them in hex, and sends every receipt twice', () => {
  const env = useStack('e2e-ids', {
    sim: { receiptDelayMs: 100, idFormat: 'dec', receiptIdFormat: 'hex', duplicateReceipts: true },
    stack: () => ({ smscExtra: { ids: { submit: 'dec', receipt: 'hex' } }, clients: [{ systemId: 'acme', password: 'pw' }] }),
  });

  it('correlates every receipt and gives the client exactly one per message', async () => {
    const c = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'pw', mode: 'transceiver' });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const r = await c.submit({ source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: `4477007${String(i).padStart(5, '0')}`, registered_delivery: 1, short_message: encodeGsm7(`ids ${i}`)! });
      ids.push(r.message_id!);
    }
    await c.waitForReceipts(50, 30_000);
    await new Promise((r) => setTimeout(r, 1_000)); // the duplicates have come and gone
    expect(c.receipts).toHaveLength(50);
    expect(c.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')).id).sort()).toEqual([...ids].sort());
    expect(env.sim.stats.receiptsSent).toBeGreaterThanOrEqual(100); // every receipt was sent twice
    expect(/^[0-9]+$/.test(env.sim.submits[0].smscMsgId)).toBe(true); // decimal in submit_sm_resp
    await c.close();
  }, 60_000);
});
