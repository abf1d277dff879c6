import { describe, expect, it } from 'vitest';
import { formatSmppTime, parseSmppTime } from './smpp-time';

const NOW = Date.UTC(2026, 11, 1, 20, 0, 0); // 2026-12-01T20:00:00Z
const at = (s: string) => {
  const r = parseSmppTime(s, NOW);
  if (!r.ok) throw new Error(r.reason);
  return new Date(r.at).toISOString();
};

describe('SMPP time fields (§7.1.1)', () => {
  it('reads absolute times with their quarter-hour UTC offset', () => {
    expect(at('261202083000000+')).toBe('2026-12-02T08:30:00.000Z'); // UTC
    expect(at('261202083000504+')).toBe('2026-12-02T07:30:00.500Z'); // local UTC+1h, 5 tenths
    expect(at('261202083000022-')).toBe('2026-12-02T14:00:00.000Z'); // local UTC-5h30
  });

  it('reads relative times as an interval from now, with calendar months and years', () => {
    expect(at('000000013000000R')).toBe('2026-12-01T21:30:00.000Z'); // 1 h 30 min
    expect(at('000002000000000R')).toBe('2026-12-03T20:00:00.000Z'); // 2 days
    expect(at('010100000000000R')).toBe('2028-01-01T20:00:00.000Z'); // 1 year 1 month
  });

  it('refuses what is not a time', () => {
    for (const bad of ['', '2612020830000', '261302083000000+', '261232083000000+', '260230083000000+', '261202253000000+', '261202083000049+', '26120208300000+X']) {
      expect(parseSmppTime(bad, NOW).ok, bad).toBe(false);
    }
  });

  it('writes absolute UTC times that read back to the second', () => {
    const t = Date.UTC(2027, 0, 5, 3, 4, 5, 678);
    expect(formatSmppTime(t)).toBe('270105030405000+');
    const back = parseSmppTime(formatSmppTime(t), NOW);
    expect(back).toEqual({ ok: true, at: Date.UTC(2027, 0, 5, 3, 4, 5) });
  });
});
