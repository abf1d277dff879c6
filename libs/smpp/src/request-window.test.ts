import { afterEach, describe, expect, it, vi } from 'vitest';
import { RequestWindow } from './request-window';
import { decodePdu } from './pdu-codec';
import type { Pdu } from './pdu';
import { SmppTimeoutError } from './session-errors';

const resp = (seq: number): Pdu => ({ command: 'enquire_link_resp', commandId: 0x80000015, status: 0, seq, tlvs: [] });

describe('RequestWindow', () => {
  it('wraps sequence numbers after 0x7FFFFFFF to 1, skipping numbers still in flight', async () => {
    const sent: number[] = [];
    const w = new RequestWindow(10, 60_000, (f) => sent.push(decodePdu(f).seq), 0x7ffffffd);
    const a = w.submit({ command: 'enquire_link' });
    const b = w.submit({ command: 'enquire_link' }).catch(() => {});
    expect(sent).toEqual([0x7ffffffe, 0x7fffffff]);
    const c = w.submit({ command: 'enquire_link' }).catch(() => {});
    expect(sent[2]).toBe(1);
    expect(w.resolve(resp(0x7ffffffe))).toBe(true);
    expect((await a).seq).toBe(0x7ffffffe);
    w.failAll(() => new Error('closed'));
    await Promise.all([b, c]);
  });

  it('never reuses a number that is still waiting for its response', () => {
    const sent: number[] = [];
    const w = new RequestWindow(3, 60_000, (f) => sent.push(decodePdu(f).seq), 0x7ffffffe);
    const settled: Array<Promise<unknown>> = [];
    settled.push(w.submit({ command: 'enquire_link' }).catch(() => {})); // 0x7fffffff
    settled.push(w.submit({ command: 'enquire_link' }).catch(() => {})); // 1
    settled.push(w.submit({ command: 'enquire_link' }).catch(() => {})); // 2
    w.resolve(resp(0x7fffffff));
    settled.push(w.submit({ command: 'enquire_link' }).catch(() => {})); // 3
    expect(sent).toEqual([0x7fffffff, 1, 2, 3]);
    expect(w.resolve(resp(0x7fffffff))).toBe(false);
    w.failAll(() => new Error('closed'));
    return Promise.all(settled);
  });

  it('queues past the window and fails queued and in-flight requests on failAll', async () => {
    const sent: number[] = [];
    const w = new RequestWindow(1, 60_000, (f) => sent.push(decodePdu(f).seq));
    const all = [w.submit({ command: 'enquire_link' }), w.submit({ command: 'enquire_link' })];
    expect(sent).toEqual([1]);
    expect(w.inFlight).toBe(1);
    w.failAll((cmd) => new Error(`closed during ${cmd}`));
    for (const r of await Promise.allSettled(all)) expect(r).toMatchObject({ status: 'rejected', reason: { message: 'closed during enquire_link' } });
    expect(w.inFlight).toBe(0);
  });

  it('times out, frees the slot and sends the next queued request', async () => {
    const sent: number[] = [];
    const w = new RequestWindow(1, 20, (f) => sent.push(decodePdu(f).seq));
    const first = w.submit({ command: 'enquire_link' });
    const second = w.submit({ command: 'enquire_link' });
    await expect(first).rejects.toBeInstanceOf(SmppTimeoutError);
    expect(sent).toEqual([1, 2]);
    w.resolve(resp(2));
    expect((await second).seq).toBe(2);
  });

  it('rejects a request it cannot encode without taking a slot', async () => {
    const w = new RequestWindow(1, 1000, () => {});
    await expect(w.submit({ command: 'submit_sm', destination_addr: 'x'.repeat(30) })).rejects.toThrow(/destination_addr/);
    expect(w.inFlight).toBe(0);
  });

  describe('response timer (one per window, on a fake clock)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    const fake = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const state = (p: Promise<unknown>) => {
      let s = 'pending';
      p.then(() => (s = 'resolved'), (e: unknown) => (s = e instanceof SmppTimeoutError ? `timeout ${e.seq}` : 'rejected'));
      return () => s;
    };

    it('times each request out timeoutMs after it was sent, however many are in flight', async () => {
      fake();
      const w = new RequestWindow(10, 50, () => {});
      const a = state(w.submit({ command: 'enquire_link' })); // seq 1 at t=0
      await vi.advanceTimersByTimeAsync(30);
      const b = state(w.submit({ command: 'enquire_link' })); // seq 2 at t=30
      const c = state(w.submit({ command: 'enquire_link' })); // seq 3 at t=30
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(19); // t=49
      expect([a(), b(), c()]).toEqual(['pending', 'pending', 'pending']);
      await vi.advanceTimersByTimeAsync(1); // t=50
      expect([a(), b(), c()]).toEqual(['timeout 1', 'pending', 'pending']);
      expect(w.inFlight).toBe(2);
      w.resolve(resp(2));
      await vi.advanceTimersByTimeAsync(29); // t=79
      expect([b(), c()]).toEqual(['resolved', 'pending']);
      await vi.advanceTimersByTimeAsync(1); // t=80
      expect(c()).toBe('timeout 3');
      expect(w.inFlight).toBe(0);
    });

    it('a request answered in time never times out, and the oldest unanswered one sets the next expiry', async () => {
      fake();
      const w = new RequestWindow(10, 50, () => {});
      const a = state(w.submit({ command: 'enquire_link' })); // seq 1 at t=0
      await vi.advanceTimersByTimeAsync(40);
      const b = state(w.submit({ command: 'enquire_link' })); // seq 2 at t=40
      w.resolve(resp(1));
      await vi.advanceTimersByTimeAsync(49); // t=89: the timer armed for seq 1 fired at 50 and waits for seq 2
      expect([a(), b()]).toEqual(['resolved', 'pending']);
      await vi.advanceTimersByTimeAsync(1); // t=90
      expect(b()).toBe('timeout 2');
      expect(vi.getTimerCount()).toBe(0);
    });

    it('a queued request gets its full timeout from when it is sent, not from when it was queued', async () => {
      fake();
      const sent: number[] = [];
      const w = new RequestWindow(1, 50, (f) => sent.push(decodePdu(f).seq));
      const a = state(w.submit({ command: 'enquire_link' })); // seq 1 at t=0
      const b = state(w.submit({ command: 'enquire_link' })); // queued
      await vi.advanceTimersByTimeAsync(50); // seq 1 times out, seq 2 goes out at t=50
      expect([a(), b()]).toEqual(['timeout 1', 'pending']);
      expect(sent).toEqual([1, 2]);
      await vi.advanceTimersByTimeAsync(49);
      expect(b()).toBe('pending');
      await vi.advanceTimersByTimeAsync(1);
      expect(b()).toBe('timeout 2');
    });

    it('times out every request due at once, in the order they were sent', async () => {
      fake();
      const w = new RequestWindow(200, 50, () => {});
      const order: number[] = [];
      const all = Array.from({ length: 200 }, () => w.submit({ command: 'enquire_link' }).catch((e: SmppTimeoutError) => void order.push(e.seq)));
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(50);
      await Promise.all(all);
      expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(vi.getTimerCount()).toBe(0);
    });

    it('failAll stops the timer', () => {
      fake();
      const w = new RequestWindow(10, 50, () => {});
      const a = w.submit({ command: 'enquire_link' }).catch(() => {});
      expect(vi.getTimerCount()).toBe(1);
      w.failAll(() => new Error('closed'));
      expect(vi.getTimerCount()).toBe(0);
      return a;
    });
  });
});
