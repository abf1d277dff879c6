import { describe, expect, it } from 'vitest';
import { connectTestClient } from '@smsgw/testing';
import { STATUS, TLV } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { useStack } from './use-stack';

// An SMSC that answers ESME_RTHROTTLED above 200 submits/s, behind a link configured at 400/s:
// the sender must slow down by itself (adaptive rate), fail nothing, and keep every long
// message's parts in order. Counted at the simulator, over 30 s.
describe('adaptive link rate under SMSC throttling', () => {
  const env = useStack('e2e-throttle', {
    sim: { receiptDelayMs: 50, throttleAbovePerSec: 200 },
    stack: (sim) => ({ smsc: { host: '127.0.0.1', port: sim.port, throughput: 400 }, clients: [{ systemId: 'acme', password: 'pw' }] }),
  });

  it('keeps the last 10 s at ≤ 1.05 × 200/s received, fails nothing, parts in order', async () => {
    const c = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'pw', mode: 'transceiver' });
    const long = 'Throttled but whole. '.repeat(20).slice(0, 400); // 3 parts
    const counts: number[] = [];
    const sampler = setInterval(() => counts.push(env.sim.stats.submits), 1_000);
    const t0 = Date.now();
    let i = 0;
    const statuses: number[] = [];
    // 300 messages/s for 30 s, every 20th a 3-part message: more than the SMSC takes.
    while (Date.now() - t0 < 30_000) {
      const batch = Math.floor(((Date.now() - t0) / 1000) * 300) - i;
      for (let k = 0; k < batch; k++, i++) {
        const text = i % 20 === 0 ? long : `short ${i}`;
        const bytes = encodeGsm7(text)!;
        void c
          .submit({
            source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: `4477006${String(i).padStart(5, '0')}`,
            registered_delivery: 1,
            short_message: bytes.length > 254 ? Buffer.alloc(0) : bytes,
            tlvs: bytes.length > 254 ? [{ tag: TLV.message_payload, value: bytes }] : [],
          })
          .then((r) => statuses.push(r.status));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    clearInterval(sampler);
    // What the simulator received (accepted and throttled submits alike) in the last 10 s.
    const last10 = (counts[counts.length - 1] - counts[counts.length - 11]) / 10;
    expect(last10).toBeLessThanOrEqual(1.05 * 200);
    expect(last10).toBeGreaterThan(100); // it did not simply stop
    expect(env.sim.stats.throttled).toBeGreaterThan(0); // the SMSC did push back
    expect(statuses.every((s) => s === STATUS.ESME_ROK)).toBe(true);
    // Nothing failed: no FAILED/UNDELIV receipt, and the sender counted no permanent failure.
    const stats = c.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')).stat);
    expect(stats.length).toBeGreaterThan(0);
    expect(stats.every((s) => s === 'DELIVRD')).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${env.stack.httpPorts.sender}/metrics`)).text();
    expect(metrics).not.toMatch(/smsgw_messages_total\{stage="sender",outcome="failed"/);
    expect(metrics).toMatch(/smsgw_rate_effective\{scope="link:sim"/);
    // Parts of every long message arrived in order (accepted submits, by message reference).
    const byRef = new Map<string, number[]>();
    for (const s of env.sim.submits) {
      if (!s.udh) continue;
      const k = `${s.destination}:${s.udh.ref}`;
      byRef.set(k, [...(byRef.get(k) ?? []), s.udh.seq]);
    }
    expect(byRef.size).toBeGreaterThan(0);
    for (const seqs of byRef.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    await c.close();
  }, 90_000);
});
