import { describe, expect, it } from 'vitest';
import { createTickBatch } from './tick-batch';

describe('createTickBatch', () => {
  it('hands the calls of one tick to flush grouped by key, in call order, and answers each its own result', async () => {
    const flushed: Array<[string, number[]]> = [];
    const call = createTickBatch<number, string>(async (key, items) => {
      flushed.push([key, items]);
      return items.map((n) => `${key}:${n * 10}`);
    });
    const got = await Promise.all([call('a', 1), call('b', 2), call('a', 3)]);
    expect(got).toEqual(['a:10', 'b:20', 'a:30']);
    expect(flushed).toEqual([['a', [1, 3]], ['b', [2]]]);
    // A later tick is a new batch.
    expect(await call('a', 4)).toBe('a:40');
    expect(flushed).toHaveLength(3);
  });

  it('splits a group above maxBatch and fails every item of a group whose flush throws (sync or async)', async () => {
    const sizes: number[] = [];
    const call = createTickBatch<number, number>(async (_key, items) => {
      sizes.push(items.length);
      return items;
    }, 2);
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => call('k', n)))).toEqual([1, 2, 3, 4, 5]);
    expect(sizes).toEqual([2, 2, 1]);

    const failing = createTickBatch<number, number>((key) => {
      if (key === 'sync') throw new Error('sync boom');
      return Promise.reject(new Error('async boom'));
    });
    const res = await Promise.allSettled([failing('sync', 1), failing('async', 2), failing('async', 3)]);
    expect(res.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual(['sync boom', 'async boom', 'async boom']);
  });

  it('rejects an item the flush gave no result for', async () => {
    const call = createTickBatch<number, number>(async () => [1]);
    const res = await Promise.allSettled([call('k', 1), call('k', 2)]);
    expect(res[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(res[1]!.status).toBe('rejected');
  });

  it('with lingerMs, calls of later turns made before it runs out join the first one\'s group', async () => {
    const flushed: Array<[string, number[]]> = [];
    const call = createTickBatch<number, number>(async (key, items) => {
      flushed.push([key, items]);
      return items;
    }, 500, 30);
    const started = Date.now();
    const first = call('a', 1);
    // Other turns of the event loop, well within the 30 ms.
    await new Promise((r) => setImmediate(r));
    const second = call('a', 2);
    await new Promise((r) => setTimeout(r, 5));
    const third = call('b', 3);
    expect(await Promise.all([first, second, third])).toEqual([1, 2, 3]);
    expect(flushed).toEqual([['a', [1, 2]], ['b', [3]]]);
    // Held about as long as asked (timers may fire a millisecond early), not a turn.
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(() => createTickBatch(async (_k, items) => items, 500, -1)).toThrow(/lingerMs/);
    expect(() => createTickBatch(async (_k, items) => items, 500, 1.5)).toThrow(/lingerMs/);
  });
});
