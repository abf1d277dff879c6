import { describe, expect, it } from 'vitest';
import { connectTestClient, startSmscSim } from '@smsgw/testing';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7, parseReceiptText } from '@smsgw/sms-text';
import { formatSmppTime, parseSmppTime } from '@smsgw/domain';
import { useStack } from './use-stack';

// Delivery over time through the running gateway: schedule_delivery_time held durably until due
// (across a restart of every app), validity_period ending messages EXPIRED while the SMSC is
// down — and a message with time left waiting for the SMSC instead of failing.
describe('delivery over time', () => {
  const env = useStack('e2e-delivery', {
    sim: { receiptDelayMs: 50 },
    stack: () => ({
      clients: [{ systemId: 'acme', password: 'pw' }],
      // Reconnect within a second of the SMSC coming back.
      smscExtra: { reconnectMaxMs: 1_000 },
      extra: { policy: { deferPollMs: 200 } },
    }),
  });

  const bind = () => connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'pw', mode: 'transceiver' });
  const submit = async (c: Awaited<ReturnType<typeof bind>>, destination: string, extra: Record<string, unknown> = {}) => {
    const r = await c.submit({
      source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: destination,
      registered_delivery: 1, short_message: encodeGsm7(`to ${destination}`)!, ...extra,
    });
    expect(r.status).toBe(STATUS.ESME_ROK);
    return r.message_id!;
  };
  const sentTo = (destination: string) => env.sim.submits.filter((s) => s.destination === destination);
  const stats = (c: Awaited<ReturnType<typeof bind>>) => c.receipts.map((p) => parseReceiptText(p.short_message!.toString('latin1')));

  it('relative and absolute schedules: held (ENROUTE to query_sm) and sent only once due', async () => {
    const c = await bind();
    const t0 = Date.now();
    const relId = await submit(c, '447700500001', { schedule_delivery_time: '000000000004000R' }); // in 4 s
    const absDue = Math.ceil((t0 + 5_000) / 1000) * 1000; // absolute times carry whole seconds
    const absId = await submit(c, '447700500002', { schedule_delivery_time: formatSmppTime(absDue) });
    await new Promise((r) => setTimeout(r, 1_000));
    const q = await c.session.request({ command: 'query_sm', message_id: relId, source_addr_ton: 5, source_addr: 'ACME' });
    expect(q).toMatchObject({ status: 0, message_state: 1 }); // ENROUTE: held, not lost
    expect(sentTo('447700500001')).toHaveLength(0);
    await c.waitForReceipts(2, 20_000);
    expect(stats(c).map((r) => r.id).sort()).toEqual([relId, absId].sort());
    expect(stats(c).every((r) => r.stat === 'DELIVRD')).toBe(true);
    expect(sentTo('447700500001')[0]!.at).toBeGreaterThanOrEqual(t0 + 4_000);
    expect(sentTo('447700500002')[0]!.at).toBeGreaterThanOrEqual(absDue);
    await c.close();
  }, 60_000);

  it('a scheduled message survives a restart of every app', async () => {
    const c = await bind();
    const t0 = Date.now();
    const id = await submit(c, '447700500003', { schedule_delivery_time: '000000000020000R' }); // in 20 s
    await c.close();
    expect(sentTo('447700500003')).toHaveLength(0);
    await env.stack.restart();
    const rx = await bind();
    await rx.waitForReceipts(1, 40_000);
    expect(stats(rx)[0]).toMatchObject({ id, stat: 'DELIVRD' });
    expect(sentTo('447700500003')).toHaveLength(1);
    expect(sentTo('447700500003')[0]!.at).toBeGreaterThanOrEqual(t0 + 20_000);
    await rx.close();
  }, 120_000);

  it('validity running out while the SMSC is down ends EXPIRED, and is never sent; a message with time left waits and goes', async () => {
    const port = env.sim.port;
    await env.sim.close();
    const c = await bind();
    const shortLived = await Promise.all(
      Array.from({ length: 5 }, (_, i) => submit(c, `44770060000${i}`, { validity_period: '000000000003000R' })), // 3 s
    );
    const patient = await submit(c, '447700600009', { validity_period: '000000010000000R' }); // 1 h
    await c.waitForReceipts(5, 20_000);
    const expired = stats(c);
    expect(expired.map((r) => `${r.id} ${r.stat}`).sort()).toEqual(shortLived.map((id) => `${id} EXPIRED`).sort());
    expect(expired.every((r) => r.stat === 'EXPIRED')).toBe(true);
    // The SMSC comes back: only the patient message reaches it, with its validity as an absolute time.
    env.sim = await startSmscSim({ port, receiptDelayMs: 50 });
    await c.waitForReceipts(6, 30_000);
    expect(stats(c)[5]).toMatchObject({ id: patient, stat: 'DELIVRD' });
    await new Promise((r) => setTimeout(r, 1_000));
    for (let i = 0; i < 5; i++) expect(sentTo(`44770060000${i}`)).toHaveLength(0);
    const sent = sentTo('447700600009');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.validity).toMatch(/^\d{12}000\+$/);
    const validity = parseSmppTime(sent[0]!.validity, 0);
    // One hour from acceptance, less the time it waited.
    expect(validity.ok && Math.abs(validity.at - (sent[0]!.at + 3_600_000))).toBeLessThan(120_000);
    await c.close();
  }, 90_000);
});
