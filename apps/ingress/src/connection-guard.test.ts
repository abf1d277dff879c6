import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAppMetrics, createMetricsRegistry, type Logger } from '@smsgw/platform';
import { createConnectionGuard } from './connection-guard';

let port = 40_000;
/** Enough of a socket for the guard: addresses, close, destroy. */
function fakeSocket(remoteAddress: string) {
  const s = Object.assign(new EventEmitter(), { remoteAddress, remotePort: port++, localPort: 2775, destroyed: false });
  return Object.assign(s, { destroy: () => ((s.destroyed = true), s.emit('close'), s) }) as unknown as Socket & { destroyed: boolean };
}

const caps = { max: 10_000, perAddress: 2, maxUnbound: 3, maxPduBeforeBind: 512 };

describe('connection guard', () => {
  afterEach(() => void vi.useRealTimers());

  it('logs a flood of refusals as one line per 10 s with the counts, and counts each in the metric', async () => {
    vi.useFakeTimers();
    const warn = vi.fn();
    const metrics = createAppMetrics(createMetricsRegistry('guard-test'));
    const guard = createConnectionGuard(caps, { metrics, logger: { warn } as unknown as Logger });
    expect(guard.admit(fakeSocket('192.0.2.1'))).toBe(true);
    expect(guard.admit(fakeSocket('192.0.2.1'))).toBe(true);
    for (let i = 0; i < 1_000; i++) expect(guard.admit(fakeSocket('192.0.2.1'))).toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatchObject({ over_per_address: 1_000 });
    for (let i = 0; i < 500; i++) guard.admit(fakeSocket('192.0.2.1'));
    await vi.advanceTimersByTimeAsync(9_000);
    expect(warn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]![0]).toMatchObject({ over_per_address: 500 });
    const counted = (await metrics.errors.get()).values.find((v) => v.labels.kind === 'connection_over_per_address');
    expect(counted?.value).toBe(1_500);
    guard.close();
  });

  it('closes the oldest unbound connection above maxUnbound; a bound one is never chosen', () => {
    const guard = createConnectionGuard(caps, { metrics: createAppMetrics(createMetricsRegistry('guard-test2')), logger: { warn() {} } as unknown as Logger });
    const socks = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5'].map(fakeSocket);
    guard.admit(socks[0]!);
    guard.bound({ socket: socks[0]!, maxPduLength: 1 } as never);
    for (const s of socks.slice(1)) expect(guard.admit(s)).toBe(true);
    expect(socks.map((s) => s.destroyed)).toEqual([false, true, false, false, false]);
    expect([guard.open, guard.unboundCount]).toEqual([4, 3]);
    guard.close();
  });
});
