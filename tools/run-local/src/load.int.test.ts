import { describe, expect, it } from 'vitest';
import { connectTestClient, type TestClient } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { useStack } from './use-stack';

// Two clients pushing at once through the running gateway, on whichever state store the stack
// runs (Redis, or Aerospike with STATE_BACKEND=aerospike): the case where Aerospike's connection
// pool used to run dry and receipts came back at a trickle. Every message is acknowledged once
// and its receipt comes back once, and no store command failed on the way.
describe('two clients at full speed', () => {
  const PER_CLIENT = 3_000;
  const WINDOW = 100;
  const env = useStack('e2e-load', {
    sim: { receiptDelayMs: 0 },
    stack: () => ({
      clients: [
        { systemId: 'alpha', password: 'pw' },
        { systemId: 'beta', password: 'pw' },
      ],
    }),
  });

  /** Submits `n` messages keeping `WINDOW` outstanding; resolves with the message ids. */
  const push = async (c: TestClient, tag: number): Promise<string[]> => {
    const ids: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < PER_CLIENT) {
        const i = next++;
        const r = await c.submit({
          source_addr_ton: 5, source_addr: 'LOAD', dest_addr_ton: 1, dest_addr_npi: 1,
          destination_addr: `44770${tag}${String(i).padStart(6, '0')}`, registered_delivery: 1, short_message: encodeGsm7(`load ${tag} ${i}`)!,
        });
        expect(r.status).toBe(STATUS.ESME_ROK);
        ids.push(r.message_id!);
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, worker));
    return ids;
  };

  it(`${PER_CLIENT} messages from each of two clients (window ${WINDOW}) all come back with one receipt each`, async () => {
    const bind = (systemId: string) =>
      connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId, password: 'pw', mode: 'transceiver', window: WINDOW });
    const [a, b] = await Promise.all([bind('alpha'), bind('beta')]);
    const [aIds, bIds] = await Promise.all([push(a, 1), push(b, 2)]);
    await Promise.all([a.waitForReceipts(PER_CLIENT, 90_000), b.waitForReceipts(PER_CLIENT, 90_000)]);
    await new Promise((r) => setTimeout(r, 500)); // no duplicate arrives late
    for (const [c, ids] of [[a, aIds], [b, bIds]] as const) {
      const got = c.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')));
      expect(got.length).toBe(PER_CLIENT);
      expect(new Set(got.map((r) => r.id)).size).toBe(PER_CLIENT);
      expect([...got.map((r) => r.id!)].sort()).toEqual([...ids].sort());
      expect(got.every((r) => r.stat === 'DELIVRD')).toBe(true);
    }
    // Nothing was left pending for a reclaim cycle: no store command failed in any stage.
    for (const app of ['policy-worker', 'sender', 'dlr-worker'] as const) {
      const metrics = await (await fetch(`http://127.0.0.1:${env.stack.httpPorts[app]}/metrics`)).text();
      expect(metrics, app).not.toMatch(/smsgw_store_commands_total\{outcome="failed"/);
      expect(metrics, app).not.toMatch(/smsgw_errors_total\{kind="(policy_write|sender|dlr)"\}/);
    }
    await Promise.all([a.close(), b.close()]);
  }, 180_000);
});
