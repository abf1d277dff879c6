import { describe, expect, it } from 'vitest';
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
});
