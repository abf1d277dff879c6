import { afterEach, describe, expect, it, vi } from 'vitest';
import { DueQueue } from './smsc-sim-due';

afterEach(() => vi.useRealTimers());

// A fake clock for both the timer and performance.now().
function fakeQueue() {
  vi.useFakeTimers();
  return new DueQueue(() => Date.now());
}

describe('DueQueue', () => {
  it('runs each item its lane delay after it was added, all due items in one timer callback', () => {
    const q = fakeQueue();
    const ran: string[] = [];
    const lane = q.lane<string>(50, (x) => ran.push(x));
    lane.add('a');
    vi.advanceTimersByTime(10);
    lane.add('b');
    lane.add('c');
    vi.advanceTimersByTime(39);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['a']);
    vi.advanceTimersByTime(10);
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(q.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('one timer whatever the number of items', () => {
    const q = fakeQueue();
    let n = 0;
    const lane = q.lane<number>(5, () => n++);
    for (let i = 0; i < 1000; i++) lane.add(i);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(5);
    expect(n).toBe(1000);
  });

  it('across lanes: by due time, then in the order added', () => {
    const q = fakeQueue();
    const ran: string[] = [];
    const slow = q.lane<string>(30, (x) => ran.push(x));
    const fast = q.lane<string>(10, (x) => ran.push(x));
    const same = q.lane<string>(30, (x) => ran.push(x));
    slow.add('slow1');
    same.add('same1');
    fast.add('fast1');
    vi.advanceTimersByTime(20);
    fast.add('fast2'); // due at 30, like slow1 and same1, but added after them
    vi.advanceTimersByTime(10);
    expect(ran).toEqual(['fast1', 'slow1', 'same1', 'fast2']);
  });

  it('a delay of 0 still runs later, never during add', () => {
    const q = fakeQueue();
    const ran: number[] = [];
    const lane = q.lane<number>(0, (x) => ran.push(x));
    lane.add(1);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([1]);
  });

  it('re-arms for items added while it runs, and for the rest of a long lane', () => {
    const q = fakeQueue();
    const ran: number[] = [];
    const later = q.lane<number>(100, (x) => ran.push(x));
    const lane = q.lane<number>(10, (x) => {
      ran.push(x);
      if (x === 1) later.add(100);
    });
    lane.add(1);
    vi.advanceTimersByTime(5);
    lane.add(2);
    vi.advanceTimersByTime(5);
    expect(ran).toEqual([1]);
    vi.advanceTimersByTime(5);
    expect(ran).toEqual([1, 2]);
    vi.advanceTimersByTime(94); // 100 was added at 10: due at 110
    expect(ran).toEqual([1, 2]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([1, 2, 100]);
  });

  it('close drops what waits and ignores later adds', () => {
    const q = fakeQueue();
    const ran: number[] = [];
    const lane = q.lane<number>(10, (x) => ran.push(x));
    lane.add(1);
    q.close();
    lane.add(2);
    vi.advanceTimersByTime(100);
    expect(ran).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps order through compaction of a long lane', () => {
    const q = fakeQueue();
    const ran: number[] = [];
    const lane = q.lane<number>(100, (x) => ran.push(x));
    // 10 items a millisecond for 300 ms: handled items pile up at the head while more wait behind.
    for (let i = 0; i < 3000; i++) {
      lane.add(i);
      if (i % 10 === 9) vi.advanceTimersByTime(1);
    }
    expect(ran.length).toBeGreaterThan(1500);
    vi.advanceTimersByTime(100);
    expect(ran).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });
});
