import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmscSim, type SmscSim } from '@smsgw/testing';
import { runBench } from './bench-client';

// smpp-bench against the SMSC simulator (which also answers binds and sends receipts): the
// summary's counts must match what the simulator saw.
describe('smpp-bench', () => {
  let sim: SmscSim;
  beforeAll(async () => {
    sim = await startSmscSim({ port: 0, receiptDelayMs: 5 });
  });
  afterAll(() => sim.close());

  it('submits N messages with a window and counts every response and receipt', async () => {
    const s = await runBench({ host: '127.0.0.1', port: sim.port, systemId: 'x', password: 'y', count: 300, window: 20, receiptTimeoutMs: 10_000 });
    expect(s.accepted).toBe(300);
    expect(s.byStatus).toEqual({ ESME_ROK: 300 });
    expect(s.receipts).toBe(300);
    expect(s.receiptsByStat).toEqual({ DELIVRD: 300 });
    expect(sim.stats.submits).toBe(300);
    expect(s.submitToReceiptMs.p50).toBeGreaterThan(0);
  });

  it('paced at an offered rate: message i is not sent before i / rate, and the summary says the rate', async () => {
    const before = sim.stats.submits;
    // 100 messages at 200/s: the last may not go before ~495 ms, however fast the server answers.
    const s = await runBench({ host: '127.0.0.1', port: sim.port, systemId: 'x', password: 'y', count: 100, window: 50, rate: 200, receipts: false });
    expect(s.accepted).toBe(100);
    expect(sim.stats.submits - before).toBe(100);
    expect(s.offeredPerSec).toBe(200);
    expect(s.submitSeconds).toBeGreaterThanOrEqual(0.49);
  });
});
