import { afterEach, describe, expect, it } from 'vitest';
import { redisNamespace } from '@smsgw/testing';
import { startPeriodicJobs } from './periodic-jobs';

describe('periodic jobs (BullMQ job schedulers, real Redis)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('runs each job once per period across three instances, not once per instance', async () => {
    const ns = await redisNamespace('periodic');
    cleanups.push(ns.cleanup);
    const runs: Array<{ instance: number; at: number }> = [];
    const instances = await Promise.all(
      [1, 2, 3].map((instance) =>
        startPeriodicJobs({ redis: ns.target, prefix: ns.prefix, queue: 'dlr-worker' }, [
          { name: 'sweep', everyMs: 250, run: async () => void runs.push({ instance, at: Date.now() }) },
        ]),
      ),
    );
    for (const i of instances) cleanups.push(() => i.close());
    await new Promise((r) => setTimeout(r, 3_000));
    // Twelve periods: about one run each — every instance on its own would make 36.
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expect(runs.length).toBeLessThanOrEqual(14);
    expect(new Set(runs.map((r) => r.instance)).size).toBeGreaterThanOrEqual(1);
  });
});
