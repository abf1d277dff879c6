import { describe, expect, it } from 'vitest';
import { connectTestClient, type TestClient } from '@smsgw/testing';
import { STATUS, type Pdu } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { useStack } from './use-stack';

const MAX_BACKLOG = 30;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const receipts = (c: TestClient) => c.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')));

// One client flooding a slow SMSC (or scheduling a pile of messages) fills only its own queue
// (clients[].maxBacklog): it gets ESME_RMSGQFUL, the other client's messages are still taken and
// delivered, and once its backlog has drained it is accepted again.
describe('per-client backlog bound', () => {
  const env = useStack('e2e-fairness', {
    sim: { receiptDelayMs: 20 },
    stack: (sim) => ({
      // 10 submits/s: what the flooding client sends piles up in the pool's stream.
      smsc: { host: '127.0.0.1', port: sim.port, throughput: 10 },
      clients: [
        { systemId: 'flood', password: 'pw', maxBacklog: MAX_BACKLOG },
        { systemId: 'calm', password: 'pw', maxBacklog: MAX_BACKLOG },
      ],
      extra: { policy: { deferPollMs: 200 } },
    }),
  });
  const bind = (systemId: string) =>
    connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId, password: 'pw', mode: 'transceiver', window: 20 });
  let n = 0;
  const submit = (c: TestClient, over: Partial<Pdu> = {}) =>
    c.submit({
      source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, registered_delivery: 1,
      destination_addr: `4477006${String(n++).padStart(5, '0')}`, short_message: encodeGsm7(`f ${n}`)!, ...over,
    });

  /** Rounds of 10 concurrent submits of `flood` (and one of `calm`), a pause between rounds so the bound is seen. */
  async function floodRounds(flood: TestClient, calm: TestClient, rounds: number, over: Partial<Pdu> = {}) {
    const accepted: string[] = [];
    const calmIds: string[] = [];
    let full = 0;
    for (let i = 0; i < rounds; i++) {
      const res = await Promise.all(Array.from({ length: 10 }, () => submit(flood, over)));
      for (const r of res) {
        if (r.status === STATUS.ESME_ROK) accepted.push(r.message_id!);
        else if (r.status === STATUS.ESME_RMSGQFUL) full++;
        else throw new Error(`unexpected status 0x${r.status.toString(16)}`);
      }
      const r = await submit(calm);
      expect(r.status).toBe(STATUS.ESME_ROK); // never held back by the other client's flood
      calmIds.push(r.message_id!);
      await pause(100);
    }
    return { accepted, calmIds, full };
  }

  async function acceptedAgain(flood: TestClient, accepted: string[]) {
    await flood.waitForReceipts(accepted.length, 60_000);
    expect(receipts(flood).map((r) => r.id).sort()).toEqual([...accepted].sort()); // every accepted one delivered
    await pause(600); // the next poll of its count
    const again = await Promise.all(Array.from({ length: 5 }, () => submit(flood)));
    expect(again.map((r) => r.status)).toEqual(Array(5).fill(STATUS.ESME_ROK));
    await flood.waitForReceipts(accepted.length + 5, 30_000);
  }

  it('a client flooding a slow SMSC gets ESME_RMSGQFUL past its maxBacklog while another client is accepted and delivered; accepted again once drained', async () => {
    const flood = await bind('flood');
    const calm = await bind('calm');
    const { accepted, calmIds, full } = await floodRounds(flood, calm, 20);
    expect(full).toBeGreaterThan(0);
    // The bound, what came in within one poll of the count, and what the SMSC took meanwhile.
    expect(accepted.length).toBeLessThan(150);
    await calm.waitForReceipts(calmIds.length, 60_000);
    const got = receipts(calm);
    expect(got.map((r) => r.id).sort()).toEqual([...calmIds].sort());
    expect(got.every((r) => r.stat === 'DELIVRD')).toBe(true);
    await acceptedAgain(flood, accepted);
    await flood.close();
    await calm.close();
  }, 150_000);

  it('scheduled messages count against the bound too: a client cannot pile up the deferred set', async () => {
    const flood = await bind('flood');
    const calm = await bind('calm');
    // Due in 5 s: they wait in the scheduled set, not in any stream.
    const { accepted, calmIds, full } = await floodRounds(flood, calm, 10, { schedule_delivery_time: '000000000005000R' });
    expect(full).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThan(80); // nothing drains before they are due
    await calm.waitForReceipts(calmIds.length, 60_000);
    await acceptedAgain(flood, accepted);
    await flood.close();
    await calm.close();
  }, 150_000);
});
