import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogLimiter } from './log-limiter';

describe('log limiter', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());
  const sink = () => {
    const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    return { lines, warn: (obj: object, msg: string) => void lines.push({ obj: obj as Record<string, unknown>, msg }) };
  };

  it('logs the first occurrence, then one summary per interval with the suppressed count', () => {
    const log = sink();
    const lim = createLogLimiter({ intervalMs: 1_000 });
    for (let i = 0; i < 500; i++) lim.warn(log, 'acme', { systemId: 'acme', i }, 'submit refused');
    expect(log.lines).toEqual([{ obj: { systemId: 'acme', i: 0 }, msg: 'submit refused' }]);
    vi.advanceTimersByTime(1_000);
    expect(log.lines).toHaveLength(2);
    expect(log.lines[1]).toEqual({ obj: { systemId: 'acme', i: 499, suppressed: 499, intervalMs: 1_000 }, msg: 'submit refused' });
    // Quiet for an interval: forgotten, so the next one is logged at once again.
    vi.advanceTimersByTime(2_000);
    lim.warn(log, 'acme', { systemId: 'acme' }, 'submit refused');
    expect(log.lines).toHaveLength(3);
    lim.close();
  });

  it('keeps keys apart and bounds the lines however many keys peers invent', () => {
    const log = sink();
    const lim = createLogLimiter({ intervalMs: 1_000, maxKeys: 10 });
    lim.warn(log, 'a', {}, 'x');
    lim.warn(log, 'b', {}, 'x');
    expect(log.lines).toHaveLength(2);
    for (let i = 0; i < 10_000; i++) lim.warn(log, `addr-${i}`, { i }, 'bind refused');
    // 10 keys in all (a, b and 8 addresses), then one overflow key.
    expect(log.lines).toHaveLength(11);
    vi.advanceTimersByTime(1_000);
    expect(log.lines.length).toBeLessThanOrEqual(22);
    expect(log.lines.at(-1)!.obj).toMatchObject({ suppressed: 10_000 - 8 - 1 });
    lim.close();
  });

  it('writes pending summaries at close', () => {
    const log = sink();
    const lim = createLogLimiter({ intervalMs: 60_000 });
    lim.warn(log, 'k', {}, 'm');
    lim.warn(log, 'k', {}, 'm');
    lim.close();
    expect(log.lines.map((l) => l.obj.suppressed)).toEqual([undefined, 1]);
  });
});
