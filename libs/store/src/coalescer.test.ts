import { describe, expect, it } from 'vitest';
import { createCoalescer, type ItemResult } from './coalescer';
import { createCommandGate } from './command-gate';

const tick = () => new Promise((r) => setImmediate(r));

describe('command gate', () => {
  it('keeps at most max commands in flight and admits the rest in order', async () => {
    const gate = createCommandGate(3);
    const started: number[] = [];
    const finish: Array<() => void> = [];
    const runs = Array.from({ length: 10 }, (_, i) =>
      gate.run(() => {
        started.push(i);
        return new Promise<number>((r) => finish.push(() => r(i)));
      }),
    );
    await tick();
    expect(started).toEqual([0, 1, 2]);
    expect(gate.inFlight).toBe(3);
    expect(gate.queued).toBe(7);
    while (finish.length) {
      finish.shift()!();
      await tick();
      expect(gate.inFlight).toBeLessThanOrEqual(3);
    }
    expect(await Promise.all(runs)).toEqual([...Array(10).keys()]);
    expect(started).toEqual([...Array(10).keys()]);
    expect(gate.peak).toBe(3);
    expect(gate.inFlight).toBe(0);
  });

  it('frees the slot of a command that throws', async () => {
    const gate = createCommandGate(1);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run(async () => 7)).resolves.toBe(7);
    expect(gate.inFlight).toBe(0);
  });

  it('refuses a bound below 1', () => {
    expect(() => createCommandGate(0)).toThrow(/≥ 1/);
  });
});

describe('coalescer', () => {
  const ok = <R>(value: R): ItemResult<R> => ({ ok: true, value });

  it('sends the calls of one turn as one batch, split at maxBatch, each caller getting its own result', async () => {
    const batches: number[][] = [];
    const call = createCoalescer<number, number>({
      gate: createCommandGate(4),
      maxBatch: 4,
      flush: async (items) => {
        batches.push(items);
        return items.map((i) => ok(i * 10));
      },
    });
    const out = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i)));
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(batches).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    // Calls made after the batch went out form the next one.
    await call(42);
    expect(batches.at(-1)).toEqual([42]);
  });

  it('never puts two items with one key in the same batch', async () => {
    const batches: string[][] = [];
    const call = createCoalescer<string, string>({
      gate: createCommandGate(4),
      maxBatch: 10,
      keyOf: (s) => s.split(':')[0]!,
      flush: async (items) => {
        batches.push(items);
        return items.map(ok);
      },
    });
    await Promise.all(['a:1', 'b:1', 'a:2', 'c:1', 'a:3', 'b:2'].map(call));
    expect(batches).toEqual([['a:1', 'b:1', 'c:1'], ['a:2', 'b:2'], ['a:3']]);
  });

  it('fails each item on its own, and every item when the batch command fails', async () => {
    let failWhole = false;
    const call = createCoalescer<number, number>({
      gate: createCommandGate(1),
      maxBatch: 10,
      flush: async (items) => {
        if (failWhole) throw new Error('node down');
        return items.map((i) => (i % 2 ? { ok: false, error: new Error(`odd ${i}`) } : ok(i)));
      },
    });
    const res = await Promise.allSettled([0, 1, 2, 3].map(call));
    expect(res.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect((res[1] as PromiseRejectedResult).reason.message).toBe('odd 1');
    failWhole = true;
    const all = await Promise.allSettled([4, 6].map(call));
    expect(all.every((r) => r.status === 'rejected' && r.reason.message === 'node down')).toBe(true);
  });

  it('keeps batch commands within the gate', async () => {
    const gate = createCommandGate(2);
    let inFlight = 0;
    let peak = 0;
    const call = createCoalescer<number, number>({
      gate,
      maxBatch: 5,
      flush: async (items) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return items.map(ok);
      },
    });
    await Promise.all(Array.from({ length: 100 }, (_, i) => call(i)));
    expect(peak).toBe(2);
  });
});
